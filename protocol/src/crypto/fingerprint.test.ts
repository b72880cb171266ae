import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rootFingerprint, sameFingerprint } from './fingerprint.js';

describe('root key fingerprint', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const hex = createHash('sha256').update(key).digest('hex');

  it('is SHA-256 of the key in 16 groups of four lowercase hex digits', () => {
    const fingerprint = rootFingerprint(key);
    expect(fingerprint.split(' ')).toHaveLength(16);
    expect(fingerprint.replaceAll(' ', '')).toBe(hex);
  });

  it('compares as people type it, and never matches a prefix', () => {
    expect(sameFingerprint(rootFingerprint(key), hex.toUpperCase())).toBe(true);
    expect(sameFingerprint(rootFingerprint(key), hex.replace(/(..)/g, '$1:').slice(0, -1))).toBe(true);
    expect(sameFingerprint(rootFingerprint(key), hex.slice(0, 60))).toBe(false);
    expect(sameFingerprint('', '')).toBe(false);
  });
});
