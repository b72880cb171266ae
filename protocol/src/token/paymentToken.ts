import { asciiBytes, concatBytes, readU16, readU32, writeU16, writeU32 } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { CERT_LENGTH, parseCertificate, type ParsedCertificate } from './certificate.js';

/** Payment token layout, PROTOCOL.md §3 (204 bytes). */
export const TOKEN_LENGTH = 204;
export const TOKEN_SIGNED_LENGTH = 140;
export const TOKEN_VERSION = 0x01;
export const TOKEN_TYPE = 0x50; // 'P'
export const TOKEN_SIGNING_PREFIX = asciiBytes('tegata/pay/v1');

const OFF_CERT = 2;
const OFF_ISSUED_AT = 130;
const OFF_COUNTER = 134;
const OFF_TTL = 138;

export interface TokenFields {
  /** The 128-byte device certificate, exactly as issued. */
  certificate: Uint8Array;
  issuedAt: number;
  counter: number;
  ttl: number;
}

export interface ParsedToken {
  version: number;
  type: number;
  certificate: ParsedCertificate;
  issuedAt: number;
  counter: number;
  ttl: number;
  signature: Uint8Array;
  bytes: Uint8Array;
}

/** The 140 signed bytes of a token. */
export function encodeTokenBody(fields: TokenFields): Uint8Array {
  if (fields.certificate.length !== CERT_LENGTH) throw new RangeError(`certificate must be ${CERT_LENGTH} bytes`);
  const body = new Uint8Array(TOKEN_SIGNED_LENGTH);
  body[0] = TOKEN_VERSION;
  body[1] = TOKEN_TYPE;
  body.set(fields.certificate, OFF_CERT);
  writeU32(body, OFF_ISSUED_AT, fields.issuedAt);
  writeU32(body, OFF_COUNTER, fields.counter);
  writeU16(body, OFF_TTL, fields.ttl);
  return body;
}

/** `"tegata/pay/v1"` ‖ bytes[0..140): what the device signs. */
export function tokenSigningInput(tokenOrBody: Uint8Array): Uint8Array {
  return concatBytes(TOKEN_SIGNING_PREFIX, tokenOrBody.subarray(0, TOKEN_SIGNED_LENGTH));
}

/** Builds and signs a 204-byte token with the device's private key. */
export function signToken(ed: Ed25519, deviceSeed: Uint8Array, fields: TokenFields): Uint8Array {
  const body = encodeTokenBody(fields);
  return concatBytes(body, ed.sign(deviceSeed, tokenSigningInput(body)));
}

/** Reads the fields of 204 bytes without judging them (verification does that). */
export function parseToken(bytes: Uint8Array): ParsedToken {
  if (bytes.length !== TOKEN_LENGTH) throw new RangeError(`a token is ${TOKEN_LENGTH} bytes`);
  return {
    version: bytes[0] ?? 0,
    type: bytes[1] ?? 0,
    certificate: parseCertificate(bytes.subarray(OFF_CERT, OFF_CERT + CERT_LENGTH)),
    issuedAt: readU32(bytes, OFF_ISSUED_AT),
    counter: readU32(bytes, OFF_COUNTER),
    ttl: readU16(bytes, OFF_TTL),
    signature: bytes.slice(TOKEN_SIGNED_LENGTH, TOKEN_LENGTH),
    bytes,
  };
}
