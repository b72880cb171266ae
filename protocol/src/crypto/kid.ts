import { toHex } from '../encoding.js';
import { sha256 } from '../sha256.js';

/** kid(publicKey): the first 4 bytes of SHA-256 of the 32-byte key (PROTOCOL.md §1). */
export function kidBytes(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 4);
}

/** The kid as JSON writes it: 8 lowercase hex characters. */
export function kid(publicKey: Uint8Array): string {
  return toHex(kidBytes(publicKey));
}
