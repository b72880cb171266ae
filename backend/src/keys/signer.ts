/**
 * Every signing operation goes through a Signer, so a file key (development) can be replaced
 * by an HSM or a cloud KMS without touching the code that decides what to sign.
 */
import { kid, type Ed25519 } from '@tegata/protocol';

export interface Signer {
  readonly publicKey: Uint8Array;
  /** kid(publicKey), PROTOCOL.md §1. */
  readonly kid: string;
  /** A 64-byte Ed25519 signature of exactly these bytes (prefixes included by the caller). */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A Signer over a private key held in memory (read from a key file). */
export function seedSigner(ed: Ed25519, seed: Uint8Array): Signer {
  const secret = seed.slice();
  const publicKey = ed.publicKeyFromSeed(secret);
  return {
    publicKey,
    kid: kid(publicKey),
    sign: (message) => Promise.resolve(ed.sign(secret, message)),
  };
}
