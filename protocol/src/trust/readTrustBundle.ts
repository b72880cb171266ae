import { asciiBytes, concatBytes, utf8Decode } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { kid } from '../crypto/kid.js';
import { fromBase64url, isLowerHex } from '../encoding.js';
import {
  DELEGATION_SIGNING_PREFIX,
  POLICY_FIELDS,
  TRUST_FORMAT,
  TRUST_SIGNING_PREFIX,
  type Delegation,
  type RevokedDevice,
  type SignedTrustBundle,
  type TrustBundle,
  type TrustBundleDocument,
  type TrustIssuer,
  type TrustPolicy,
} from './trustBundle.js';

export type TrustBundleResult =
  | { ok: true; bundle: TrustBundle }
  | { ok: false; reason: 'bad_trust_bundle'; detail: string };

/** Thrown only inside this module, turned into a `bad_trust_bundle` result at its edge. */
class BundleError extends Error {}

const DELEGATION_PREFIX = asciiBytes(DELEGATION_SIGNING_PREFIX);
const TRUST_PREFIX = asciiBytes(TRUST_SIGNING_PREFIX);

/**
 * Checks a bundle's validity (PROTOCOL.md §5) against the pinned root keys: format, the
 * root's delegation, the bundle key's signature, the delegation window around `issuedAt`,
 * every required field and kid = kid(publicKey). Never throws.
 */
export function verifyTrustBundle(ed: Ed25519, json: unknown, rootKeys: readonly Uint8Array[]): TrustBundleResult {
  return guarded(() => {
    const signed = readEnvelope(json);
    const delegationPayload = decodeB64(signed.delegation.payload, 'delegation.payload');
    const delegationSignature = decodeB64(signed.delegation.signature, 'delegation.signature', 64);
    const delegationInput = concatBytes(DELEGATION_PREFIX, delegationPayload);
    if (!rootKeys.some((root) => ed.verify(root, delegationInput, delegationSignature))) {
      throw new BundleError('the delegation is not signed by a pinned root key');
    }
    const delegation = readDelegation(delegationPayload);
    const payload = decodeB64(signed.payload, 'payload');
    const signature = decodeB64(signed.signature, 'signature', 64);
    if (!ed.verify(delegation.bundleKey, concatBytes(TRUST_PREFIX, payload), signature)) {
      throw new BundleError('the bundle is not signed by the delegated bundle key');
    }
    const document = readDocument(payload);
    if (document.issuedAt < delegation.notBefore || document.issuedAt > delegation.notAfter) {
      throw new BundleError('issuedAt lies outside the delegation window');
    }
    return { document, delegation, signed };
  });
}

/**
 * Decodes a bundle and checks that it is well-formed, without any signature check — for
 * tools given no root key (they must say so). Never throws.
 */
export function readTrustBundleUnverified(json: unknown): TrustBundleResult {
  return guarded(() => {
    const signed = readEnvelope(json);
    const delegation = readDelegation(decodeB64(signed.delegation.payload, 'delegation.payload'));
    const document = readDocument(decodeB64(signed.payload, 'payload'));
    return { document, delegation, signed };
  });
}

function guarded(read: () => TrustBundle): TrustBundleResult {
  try {
    return { ok: true, bundle: read() };
  } catch (error) {
    if (error instanceof BundleError) return { ok: false, reason: 'bad_trust_bundle', detail: error.message };
    throw error;
  }
}

function readEnvelope(json: unknown): SignedTrustBundle {
  const root = object(json, 'bundle');
  if (root.format !== TRUST_FORMAT) throw new BundleError(`format must be "${TRUST_FORMAT}"`);
  const delegation = object(root.delegation, 'delegation');
  return {
    format: TRUST_FORMAT,
    delegation: {
      payload: string(delegation.payload, 'delegation.payload'),
      signature: string(delegation.signature, 'delegation.signature'),
    },
    payload: string(root.payload, 'payload'),
    signature: string(root.signature, 'signature'),
  };
}

function readDelegation(payload: Uint8Array): Delegation {
  const value = object(parseJson(payload, 'delegation.payload'), 'delegation.payload');
  return {
    bundleKey: key(value.bundleKey, 'delegation.bundleKey'),
    notBefore: uint(value.notBefore, 'delegation.notBefore'),
    notAfter: uint(value.notAfter, 'delegation.notAfter'),
  };
}

function readDocument(payload: Uint8Array): TrustBundleDocument {
  const value = object(parseJson(payload, 'payload'), 'payload');
  return {
    serial: uint(value.serial, 'serial'),
    issuedAt: uint(value.issuedAt, 'issuedAt'),
    expiresAt: uint(value.expiresAt, 'expiresAt'),
    issuers: array(value.issuers, 'issuers').map(readIssuer),
    revokedDevices: array(value.revokedDevices, 'revokedDevices').map(readRevoked),
    policy: readPolicy(object(value.policy, 'policy')),
  };
}

function readIssuer(item: unknown, index: number): TrustIssuer {
  const where = `issuers[${index}]`;
  const value = object(item, where);
  const issuerKid = string(value.kid, `${where}.kid`);
  if (!isLowerHex(issuerKid, 8)) throw new BundleError(`${where}.kid must be 8 lowercase hex characters`);
  const publicKey = key(value.publicKey, `${where}.publicKey`);
  if (kid(publicKey) !== issuerKid) throw new BundleError(`${where}.kid is not kid(publicKey)`);
  return {
    kid: issuerKid,
    publicKey,
    notBefore: uint(value.notBefore, `${where}.notBefore`),
    notAfter: uint(value.notAfter, `${where}.notAfter`),
  };
}

function readRevoked(item: unknown, index: number): RevokedDevice {
  const where = `revokedDevices[${index}]`;
  const value = object(item, where);
  const deviceId = string(value.deviceId, `${where}.deviceId`);
  if (!isLowerHex(deviceId, 16)) throw new BundleError(`${where}.deviceId must be 16 lowercase hex characters`);
  return { deviceId, until: uint(value.until, `${where}.until`) };
}

function readPolicy(value: Record<string, unknown>): TrustPolicy {
  const policy = {} as Record<(typeof POLICY_FIELDS)[number], number>;
  for (const field of POLICY_FIELDS) policy[field] = uint(value[field], `policy.${field}`);
  return policy;
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  const text = utf8Decode(bytes);
  if (text === null) throw new BundleError(`${where} is not UTF-8`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BundleError(`${where} is not JSON`);
  }
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BundleError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new BundleError(`${where} must be an array`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new BundleError(`${where} must be a string`);
  return value;
}

function uint(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BundleError(`${where} must be an integer from 0 to 2^53 − 1`);
  }
  return value;
}

function key(value: unknown, where: string): Uint8Array {
  return decodeB64(string(value, where), where, 32);
}

function decodeB64(text: string, where: string, length?: number): Uint8Array {
  const bytes = fromBase64url(text);
  if (bytes === null) throw new BundleError(`${where} is not unpadded base64url`);
  if (length !== undefined && bytes.length !== length) throw new BundleError(`${where} must be ${length} bytes`);
  return bytes;
}
