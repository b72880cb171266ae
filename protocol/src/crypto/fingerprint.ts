import { toHex } from '../encoding.js';
import { sha256 } from '../sha256.js';

/**
 * What a technician compares between the admin console (or enrollment code sheet) and the
 * register's screen before the register pins the root key: SHA-256 of the 32-byte root public
 * key, lowercase hex in 16 groups of four (`3f2a 9c01 …`).
 */
export function rootFingerprint(rootPublicKey: Uint8Array): string {
  return toHex(sha256(rootPublicKey)).replace(/(.{4})(?!$)/g, '$1 ');
}

/** Compares fingerprints as people type them: case, spaces and colons do not matter. */
export function sameFingerprint(a: string, b: string): boolean {
  const normal = (text: string): string => text.toLowerCase().replace(/[\s:]/g, '');
  return normal(a) === normal(b) && normal(a).length === 64;
}
