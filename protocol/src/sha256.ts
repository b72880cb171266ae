import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256 (pure JavaScript, the same in Node, browsers and the wallet simulator). */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
