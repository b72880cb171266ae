import { concatBytes, readU16, readU32, writeU16, writeU32, asciiBytes } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { fromHex, toHex } from '../encoding.js';

/** Device certificate layout, PROTOCOL.md §2 (128 bytes). */
export const CERT_LENGTH = 128;
export const CERT_SIGNED_LENGTH = 64;
export const CERT_VERSION = 0x01;
export const CERT_TYPE = 0x43; // 'C'
export const CERT_SIGNING_PREFIX = asciiBytes('tegata/cert/v1');

const OFF_ISSUER_KID = 2;
const OFF_DEVICE_ID = 6;
const OFF_DEVICE_KEY = 14;
const OFF_NOT_BEFORE = 46;
const OFF_NOT_AFTER = 50;
const OFF_CURRENCY = 54;
const OFF_PER_PAYMENT = 56;
const OFF_CUMULATIVE = 60;

export interface CertificateFields {
  /** 8 lowercase hex characters (4 bytes). */
  issuerKid: string;
  /** 16 lowercase hex characters (8 bytes). */
  deviceId: string;
  devicePublicKey: Uint8Array;
  notBefore: number;
  notAfter: number;
  currency: number;
  perPaymentLimit: number;
  cumulativeLimit: number;
}

export interface ParsedCertificate extends CertificateFields {
  version: number;
  type: number;
  signature: Uint8Array;
  bytes: Uint8Array;
}

/** The 64 signed bytes of a certificate; the version and type bytes are always ours. */
export function encodeCertificateBody(fields: CertificateFields): Uint8Array {
  const kidRaw = fromHex(fields.issuerKid);
  const deviceRaw = fromHex(fields.deviceId);
  if (kidRaw?.length !== 4) throw new RangeError('issuerKid must be 8 lowercase hex characters');
  if (deviceRaw?.length !== 8) throw new RangeError('deviceId must be 16 lowercase hex characters');
  if (fields.devicePublicKey.length !== 32) throw new RangeError('devicePublicKey must be 32 bytes');
  const body = new Uint8Array(CERT_SIGNED_LENGTH);
  body[0] = CERT_VERSION;
  body[1] = CERT_TYPE;
  body.set(kidRaw, OFF_ISSUER_KID);
  body.set(deviceRaw, OFF_DEVICE_ID);
  body.set(fields.devicePublicKey, OFF_DEVICE_KEY);
  writeU32(body, OFF_NOT_BEFORE, fields.notBefore);
  writeU32(body, OFF_NOT_AFTER, fields.notAfter);
  writeU16(body, OFF_CURRENCY, fields.currency);
  writeU32(body, OFF_PER_PAYMENT, fields.perPaymentLimit);
  writeU32(body, OFF_CUMULATIVE, fields.cumulativeLimit);
  return body;
}

/** `"tegata/cert/v1"` ‖ bytes[0..64): what the issuer signs. */
export function certificateSigningInput(certOrBody: Uint8Array): Uint8Array {
  return concatBytes(CERT_SIGNING_PREFIX, certOrBody.subarray(0, CERT_SIGNED_LENGTH));
}

/** Builds and signs a 128-byte certificate with an issuer's private key. */
export function signCertificate(ed: Ed25519, issuerSeed: Uint8Array, fields: CertificateFields): Uint8Array {
  const body = encodeCertificateBody(fields);
  return concatBytes(body, ed.sign(issuerSeed, certificateSigningInput(body)));
}

/** Reads the fields of 128 bytes without judging them (verification does that). */
export function parseCertificate(bytes: Uint8Array): ParsedCertificate {
  if (bytes.length !== CERT_LENGTH) throw new RangeError(`a certificate is ${CERT_LENGTH} bytes`);
  return {
    version: bytes[0] ?? 0,
    type: bytes[1] ?? 0,
    issuerKid: toHex(bytes.subarray(OFF_ISSUER_KID, OFF_ISSUER_KID + 4)),
    deviceId: toHex(bytes.subarray(OFF_DEVICE_ID, OFF_DEVICE_ID + 8)),
    devicePublicKey: bytes.slice(OFF_DEVICE_KEY, OFF_DEVICE_KEY + 32),
    notBefore: readU32(bytes, OFF_NOT_BEFORE),
    notAfter: readU32(bytes, OFF_NOT_AFTER),
    currency: readU16(bytes, OFF_CURRENCY),
    perPaymentLimit: readU32(bytes, OFF_PER_PAYMENT),
    cumulativeLimit: readU32(bytes, OFF_CUMULATIVE),
    signature: bytes.slice(CERT_SIGNED_LENGTH, CERT_LENGTH),
    bytes,
  };
}
