import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Ed25519 } from '../crypto/ed25519.js';
import { passesStrictPrechecks } from '../crypto/ed25519.js';

// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const MAX_CACHED_KEYS = 4096;

/**
 * Ed25519 on OpenSSL through node:crypto (~80× tweetnacl here). OpenSSL 3.0 accepts
 * small-order and non-canonical public keys, which our prechecks refuse. Public KeyObjects
 * are cached (bounded) so a returning device or terminal costs no DER parsing.
 */
export function createNodeEd25519(): Ed25519 {
  const publicKeys = new Map<string, KeyObject>();
  // Parsing a PKCS#8 key costs more than signing with it; a register signs every record and
  // request with one key, so the key objects are kept (bounded, like the public ones).
  const privateKeys = new Map<string, KeyObject>();

  function publicKeyObject(publicKey: Uint8Array): KeyObject {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
    let key = publicKeys.get(id);
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
      if (publicKeys.size >= MAX_CACHED_KEYS) {
        const oldest = publicKeys.keys().next().value;
        if (oldest !== undefined) publicKeys.delete(oldest);
      }
      publicKeys.set(id, key);
    }
    return key;
  }

  function privateKeyObject(seed: Uint8Array): KeyObject {
    if (seed.length !== 32) throw new RangeError('an Ed25519 private key is 32 bytes');
    const id = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength).toString('latin1');
    let key = privateKeys.get(id);
    if (key === undefined) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
      if (privateKeys.size >= MAX_CACHED_KEYS) {
        const oldest = privateKeys.keys().next().value;
        if (oldest !== undefined) privateKeys.delete(oldest);
      }
      privateKeys.set(id, key);
    }
    return key;
  }

  return {
    name: 'node:crypto',
    publicKeyFromSeed(seed) {
      const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
      return new Uint8Array(der.subarray(SPKI_PREFIX.length));
    },
    sign(seed, message) {
      return new Uint8Array(sign(null, message, privateKeyObject(seed)));
    },
    verify(publicKey, message, signature) {
      if (!passesStrictPrechecks(publicKey, signature)) return false;
      try {
        return verify(null, message, publicKeyObject(publicKey), signature);
      } catch {
        return false;
      }
    },
  };
}

/** The process-wide default for Node processes. */
export const nodeEd25519: Ed25519 = createNodeEd25519();
