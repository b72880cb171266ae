/**
 * CertificateCache: a bounded least-recently-used map from exact certificate bytes to the
 * issuer key that verified them.
 */
import { describe, expect, it } from 'vitest';
import { CertificateCache } from './certificateCache.js';

function cert(n: number): Uint8Array {
  const bytes = new Uint8Array(128);
  bytes[0] = 0x01;
  bytes[1] = 0x43;
  bytes[126] = n >> 8;
  bytes[127] = n & 0xff;
  return bytes;
}

const keyA = new Uint8Array(32).fill(0xaa);
const keyB = new Uint8Array(32).fill(0xbb);

describe('CertificateCache', () => {
  it('remembers a certificate for the issuer key that verified it, and only that key', () => {
    const cache = new CertificateCache(4);
    expect(cache.has(cert(1), keyA)).toBe(false);
    cache.remember(cert(1), keyA);
    expect(cache.has(cert(1), keyA)).toBe(true);
    expect(cache.has(Uint8Array.from(cert(1)), Uint8Array.from(keyA))).toBe(true);
    expect(cache.has(cert(1), keyB)).toBe(false);
    expect(cache.has(cert(2), keyA)).toBe(false);
    expect(cache.has(cert(1), keyA.subarray(0, 31))).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('keys on every byte of the certificate', () => {
    const cache = new CertificateCache(4);
    const base = cert(1);
    cache.remember(base, keyA);
    for (const at of [0, 1, 63, 64, 127]) {
      const changed = Uint8Array.from(base);
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      expect(cache.has(changed, keyA), `byte ${at}`).toBe(false);
    }
    expect(cache.has(base.subarray(0, 127), keyA)).toBe(false);
  });

  it('copies the key it is given, so a later change of the caller’s array does not vouch for another key', () => {
    const cache = new CertificateCache(4);
    const key = Uint8Array.from(keyA);
    cache.remember(cert(1), key);
    key.set(keyB);
    expect(cache.has(cert(1), keyB)).toBe(false);
    expect(cache.has(cert(1), keyA)).toBe(true);
  });

  it('evicts the least recently used entry at capacity', () => {
    const cache = new CertificateCache(3);
    cache.remember(cert(1), keyA);
    cache.remember(cert(2), keyA);
    cache.remember(cert(3), keyA);
    expect(cache.size).toBe(3);
    cache.remember(cert(4), keyA);
    expect(cache.size).toBe(3);
    expect(cache.has(cert(1), keyA)).toBe(false);
    expect(cache.has(cert(2), keyA)).toBe(true);
    expect(cache.has(cert(3), keyA)).toBe(true);
    expect(cache.has(cert(4), keyA)).toBe(true);
  });

  it('has() refreshes recency', () => {
    const cache = new CertificateCache(3);
    cache.remember(cert(1), keyA);
    cache.remember(cert(2), keyA);
    cache.remember(cert(3), keyA);
    expect(cache.has(cert(1), keyA)).toBe(true); // 1 is now the most recent; 2 the oldest
    cache.remember(cert(4), keyA);
    expect(cache.has(cert(2), keyA)).toBe(false);
    expect(cache.has(cert(1), keyA)).toBe(true);
    expect(cache.has(cert(3), keyA)).toBe(true);
    expect(cache.has(cert(4), keyA)).toBe(true);
  });

  it('a miss (wrong key) does not refresh recency', () => {
    const cache = new CertificateCache(2);
    cache.remember(cert(1), keyA);
    cache.remember(cert(2), keyA);
    expect(cache.has(cert(1), keyB)).toBe(false);
    cache.remember(cert(3), keyA);
    expect(cache.has(cert(1), keyA)).toBe(false);
    expect(cache.has(cert(2), keyA)).toBe(true);
  });

  it('remembering a known certificate again refreshes it, replaces its key and does not grow the cache', () => {
    const cache = new CertificateCache(2);
    cache.remember(cert(1), keyA);
    cache.remember(cert(2), keyA);
    cache.remember(cert(1), keyB);
    expect(cache.size).toBe(2);
    expect(cache.has(cert(1), keyB)).toBe(true);
    expect(cache.has(cert(1), keyA)).toBe(false);
    cache.remember(cert(3), keyA);
    expect(cache.has(cert(2), keyA)).toBe(false);
    expect(cache.has(cert(1), keyB)).toBe(true);
  });

  it('never holds more than its capacity', () => {
    const cache = new CertificateCache(50);
    for (let n = 0; n < 1000; n++) {
      cache.remember(cert(n), n % 2 === 0 ? keyA : keyB);
      expect(cache.size).toBeLessThanOrEqual(50);
    }
    expect(cache.size).toBe(50);
    for (let n = 950; n < 1000; n++) expect(cache.has(cert(n), n % 2 === 0 ? keyA : keyB)).toBe(true);
    expect(cache.has(cert(949), keyB)).toBe(false);
  });

  it('capacity 1 keeps only the latest entry', () => {
    const cache = new CertificateCache(1);
    cache.remember(cert(1), keyA);
    cache.remember(cert(2), keyA);
    expect(cache.size).toBe(1);
    expect(cache.has(cert(1), keyA)).toBe(false);
    expect(cache.has(cert(2), keyA)).toBe(true);
  });

  it('clear() empties it', () => {
    const cache = new CertificateCache(4);
    cache.remember(cert(1), keyA);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.has(cert(1), keyA)).toBe(false);
  });

  it('defaults to a capacity of 10,000', () => {
    expect(new CertificateCache().capacity).toBe(10_000);
    expect(new CertificateCache(undefined).capacity).toBe(10_000);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity])('refuses capacity %d', (capacity) => {
    expect(() => new CertificateCache(capacity)).toThrow(RangeError);
  });
});
