/**
 * The one deterministic PRNG for tests, fuzzers and simulations: the same seed gives the same
 * sequence on every run and every platform, so a failure can be replayed exactly.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, 32-bit output)
 * seeded through splitmix32, so every seed — 0, small neighbours like 1, 2, 3, or a string
 * label — starts from a well-mixed state and gives an unrelated stream.
 *
 * NOT for keys, nonces or anything secret: it is predictable by design. Production code takes
 * its randomness from the platform's CSPRNG.
 */

/** A seeded random stream; every method advances it. */
export interface SeededRandom {
  /** The next uniformly distributed unsigned 32-bit integer. */
  next(): number;
  /** A float uniformly distributed in [0, 1), with 32 bits of resolution. */
  float(): number;
  /** An integer uniformly distributed in [0, maxExclusive); maxExclusive is an integer in [1, 2^32]. */
  int(maxExclusive: number): number;
  /** `length` uniformly distributed bytes. */
  bytes(length: number): Uint8Array;
  /** One of `items`, uniformly; `items` must not be empty. */
  pick<T>(items: readonly T[]): T;
}

const TWO_32 = 4294967296;

/** FNV-1a over the UTF-16 code units of a label: a string seed becomes a 32-bit one. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A generator for `seed`: any safe integer (negative and zero included; bits above 32 count
 * too) or a string label such as `cross/node`. Throws RangeError on anything else.
 */
export function seededRandom(seed: number | string): SeededRandom {
  let lo: number;
  let hi: number;
  let kind = 0;
  if (typeof seed === 'string') {
    lo = hashLabel(seed);
    hi = 0;
    kind = 0x1abe1;
  } else {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer or a string, got ${seed}`);
    lo = seed >>> 0;
    hi = Math.floor(seed / TWO_32) >>> 0;
  }

  // splitmix32 (a full-avalanche mix of a Weyl sequence) spreads the low 32 bits over sfc32's
  // state; `a` is a bijection of them, so folding the high bits into `c` and the kind of seed
  // into `b` keeps distinct seeds distinct. The warm-up rounds then mix it all through.
  let mix = lo;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32() ^ kind;
  let c = splitmix32() ^ hi;
  let d = splitmix32(); // sfc32's counter: a period of at least 2^32 from any start

  function next(): number {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  }
  for (let i = 0; i < 16; i++) next();

  function int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_32) {
      throw new RangeError(`maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    }
    // Rejection sampling: drop the top partial block of 2^32 so no value is favoured.
    const limit = TWO_32 - (TWO_32 % maxExclusive);
    let v = next();
    while (v >= limit) v = next();
    return v % maxExclusive;
  }

  return {
    next,
    float: () => next() / TWO_32,
    int,
    bytes(length) {
      if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`length must be a non-negative integer, got ${length}`);
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 4) {
        const v = next();
        out[i] = v & 0xff;
        if (i + 1 < length) out[i + 1] = (v >>> 8) & 0xff;
        if (i + 2 < length) out[i + 2] = (v >>> 16) & 0xff;
        if (i + 3 < length) out[i + 3] = v >>> 24;
      }
      return out;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick needs at least one item');
      return items[int(items.length)]!;
    },
  };
}
