import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TimeSources } from '../../shared/clock/registerClock.js';

/**
 * The system's clocks and randomness, for composition roots to hand in. Everything else takes
 * them as parameters (STYLE.md 5–6), so a test can pass a fake clock and fixed bytes.
 */
export const systemTime: TimeSources = { wallMs: () => Date.now(), monotonicMs: () => performance.now() };

/** Cryptographically secure random bytes: good enough for keys, and for ids. */
export function systemRandom(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}
