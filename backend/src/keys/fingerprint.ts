import { sha256, toHex } from '@tegata/protocol';

/**
 * What a technician compares between the enrollment code sheet and the register's screen
 * before the register pins the root key: SHA-256 of the 32-byte root public key, lowercase
 * hex in 16 groups of four (`3f2a 9c01 …`).
 */
export function rootFingerprint(rootPublicKey: Uint8Array): string {
  return toHex(sha256(rootPublicKey)).replace(/(.{4})(?!$)/g, '$1 ');
}
