import { describe, expect, it } from 'vitest';
import { blockedUntil } from './throttle.js';

const rule = { free: 3, baseDelaySeconds: 2, maxDelaySeconds: 60, decaySeconds: 3600 };

describe('growing delays', () => {
  it('lets the free failures pass, then doubles the delay up to the cap', () => {
    const at = 1_000_000;
    expect(blockedUntil(undefined, rule, at)).toBeNull();
    expect(blockedUntil({ failures: 3, lastAt: at }, rule, at)).toBeNull();
    expect(blockedUntil({ failures: 4, lastAt: at }, rule, at)).toBe(at + 2000);
    expect(blockedUntil({ failures: 5, lastAt: at }, rule, at)).toBe(at + 4000);
    expect(blockedUntil({ failures: 8, lastAt: at }, rule, at)).toBe(at + 32_000);
    expect(blockedUntil({ failures: 50, lastAt: at }, rule, at)).toBe(at + 60_000);
    // Once the delay has passed the next attempt is allowed (and a failure grows it again).
    expect(blockedUntil({ failures: 5, lastAt: at }, rule, at + 4000)).toBeNull();
    // A counter idle for longer than its decay is forgotten.
    expect(blockedUntil({ failures: 50, lastAt: at }, rule, at + 3_600_001)).toBeNull();
    // During a global surge sources get no free failures.
    expect(blockedUntil({ failures: 1, lastAt: at }, rule, at, 0)).toBe(at + 2000);
  });
});
