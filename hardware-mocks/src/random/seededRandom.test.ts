import { describe, expect, it } from 'vitest';
import { seededRandom } from './seededRandom.js';

const take = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

/** Pearson's chi-square statistic of `counts` against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, from every method', () => {
    for (const seed of [0, 1, 42, -1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 'label', '']) {
      const a = seededRandom(seed);
      const b = seededRandom(seed);
      expect(take(100, () => a.next())).toEqual(take(100, () => b.next()));
      expect(take(100, () => a.float())).toEqual(take(100, () => b.float()));
      expect(take(100, () => a.int(1000))).toEqual(take(100, () => b.int(1000)));
      expect(a.bytes(37)).toEqual(b.bytes(37));
      expect(take(20, () => a.pick(['x', 'y', 'z']).charCodeAt(0))).toEqual(take(20, () => b.pick(['x', 'y', 'z']).charCodeAt(0)));
    }
  });

  it('is pinned: recorded seeds replay the same values (sfc32 seeded by splitmix32)', () => {
    // Checked against an independent transcription of the algorithm; a change here changes
    // the inputs of every seeded test in the repository.
    const zero = seededRandom(0);
    expect(take(4, () => zero.next())).toEqual([3479288465, 3033988455, 3613202701, 498307305]);
    const label = seededRandom('label');
    expect(take(2, () => label.next())).toEqual([2065316438, 4201980551]);
    expect([...seededRandom(1).bytes(6)]).toEqual([203, 201, 246, 162, 85, 32]);
  });

  it('gives unrelated sequences for different seeds, neighbouring and zero included', () => {
    const seeds: (number | string)[] = [0, 1, 2, 3, -1, 2 ** 32, 2 ** 32 + 1, 0x7e6a7a, 'a', 'b', 'cross/node', 'cross/tweetnacl'];
    const streams = seeds.map((seed) => {
      const r = seededRandom(seed);
      return take(8, () => r.next()).join(',');
    });
    expect(new Set(streams).size).toBe(seeds.length);
    // No shared first output either: the seeds are mixed, not just offset.
    const firsts = seeds.map((seed) => seededRandom(seed).next());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('returns uint32 from next() and [0, 1) from float()', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const v = r.next();
      expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  it('keeps int(n) in [0, n), reaches both ends, and accepts n up to 2^32', () => {
    const r = seededRandom(8);
    for (const n of [1, 2, 3, 7, 10, 256, 1000, 2 ** 31 + 1, 2 ** 32]) {
      const values = take(2000, () => r.int(n));
      expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < n), `n = ${n}`).toBe(true);
      if (n <= 10) expect(new Set(values).size, `n = ${n}`).toBe(n);
    }
    expect(take(100, () => r.int(1))).toEqual(new Array<number>(100).fill(0));
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32 + 1]) {
      expect(() => r.int(bad), String(bad)).toThrow(RangeError);
    }
  });

  it('returns exactly `length` bytes, every length mod 4 included, and refuses bad lengths', () => {
    const r = seededRandom(9);
    for (let length = 0; length <= 33; length++) {
      const b = r.bytes(length);
      expect(b).toBeInstanceOf(Uint8Array);
      expect(b.length).toBe(length);
    }
    // A byte string's tail is not stuck at zero when the length is not a multiple of 4.
    const tails = new Set(Array.from({ length: 200 }, () => r.bytes(5)[4]));
    expect(tails.size).toBeGreaterThan(100);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => r.bytes(bad), String(bad)).toThrow(RangeError);
  });

  it('picks every item of a list and refuses an empty one', () => {
    const r = seededRandom(10);
    const items = ['a', 'b', 'c', 'd', 'e'] as const;
    const picked = new Set(take(200, () => items.indexOf(r.pick(items))));
    expect([...picked].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => r.pick([])).toThrow(RangeError);
  });

  it('refuses seeds that are not safe integers or strings', () => {
    for (const bad of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => seededRandom(bad), String(bad)).toThrow(RangeError);
    }
  });

  it('is roughly uniform: int, bytes, float deciles and every bit of next()', () => {
    // 99.9th percentiles of chi-square: 9 degrees of freedom 27.88, 255 of them 330.5.
    const r = seededRandom(0);
    const ints = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) ints[r.int(10)]!++;
    expect(chiSquare(ints)).toBeLessThan(27.88);

    const byteCounts = new Array<number>(256).fill(0);
    for (const b of r.bytes(256_000)) byteCounts[b]!++;
    expect(chiSquare(byteCounts)).toBeLessThan(330.5);

    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) deciles[Math.floor(r.float() * 10)]!++;
    expect(chiSquare(deciles)).toBeLessThan(27.88);

    const n = 100_000;
    const ones = new Array<number>(32).fill(0);
    for (let i = 0; i < n; i++) {
      const v = r.next();
      for (let bit = 0; bit < 32; bit++) if ((v >>> bit) & 1) ones[bit]!++;
    }
    // Each bit is set half the time, within 5 standard deviations (sqrt(n)/2 ≈ 158).
    for (const count of ones) expect(Math.abs(count - n / 2)).toBeLessThan(5 * Math.sqrt(n) / 2);
  });
});
