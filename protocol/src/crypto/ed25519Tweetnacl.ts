import nacl from 'tweetnacl';
import type { Ed25519 } from './ed25519.js';
import { passesStrictPrechecks } from './ed25519.js';

/** Portable Ed25519 (browsers, the wallet simulator); tweetnacl accepts S ≥ L, our prechecks do not. */
export const tweetnaclEd25519: Ed25519 = {
  name: 'tweetnacl',
  publicKeyFromSeed(seed) {
    return nacl.sign.keyPair.fromSeed(seed).publicKey;
  },
  sign(seed, message) {
    return nacl.sign.detached(message, nacl.sign.keyPair.fromSeed(seed).secretKey);
  },
  verify(publicKey, message, signature) {
    if (!passesStrictPrechecks(publicKey, signature)) return false;
    try {
      return nacl.sign.detached.verify(message, signature, publicKey);
    } catch {
      return false;
    }
  },
};
