import { describe, expect, it } from 'vitest';
import { RegisterClock, type ClockPolicy, type TimeSources } from './registerClock.js';

const POLICY: ClockPolicy = { clockSkewSeconds: 60, maxClockAgeSeconds: 3600 };
const SKEW_MS = POLICY.clockSkewSeconds * 1000;
const MAX_AGE_MS = POLICY.maxClockAgeSeconds * 1000;
const T0 = 1_764_115_200_000;

/** Wall and monotonic clocks a test moves by hand: `tick` moves both, `jumpWall` only the wall. */
function fakeTime(wall = T0, mono = 5_000): TimeSources & { tick(ms: number): void; jumpWall(ms: number): void; setWall(ms: number): void } {
  let wallMs = wall;
  let monoMs = mono;
  return {
    wallMs: () => wallMs,
    monotonicMs: () => monoMs,
    tick(ms) {
      wallMs += ms;
      monoMs += ms;
    },
    jumpWall(ms) {
      wallMs += ms;
    },
    setWall(ms) {
      wallMs = ms;
    },
  };
}

describe('RegisterClock before any measurement', () => {
  it('reads the wall clock and is untrusted as never_measured', () => {
    const time = fakeTime(T0 + 123);
    const clock = new RegisterClock(time);
    expect(clock.measurement).toBeNull();
    expect(clock.read(POLICY)).toEqual({ nowMs: T0 + 123, now: T0 / 1000, trusted: false, distrust: 'never_measured' });
    time.tick(2_000);
    expect(clock.read(POLICY).nowMs).toBe(T0 + 2_123);
  });
});

describe('RegisterClock.measure', () => {
  it('takes offset = server − midpoint of the round trip, measured at the receive time', () => {
    expect(RegisterClock.measure(1_000, 1_200, 5_100)).toEqual({ offsetMs: 4_000, measuredAtWallMs: 1_200 });
  });

  it('corrects asymmetric round trips by the midpoint, not by either end', () => {
    // A 900 ms round trip with the server behind: midpoint 10,450.
    expect(RegisterClock.measure(10_000, 10_900, 9_000)).toEqual({ offsetMs: -1_450, measuredAtWallMs: 10_900 });
    // Server answered at its 20,000 while we waited 4,000 ms: midpoint 3,000.
    expect(RegisterClock.measure(1_000, 5_000, 20_000)).toEqual({ offsetMs: 17_000, measuredAtWallMs: 5_000 });
    // An instant round trip: the offset is exactly the difference.
    expect(RegisterClock.measure(7_000, 7_000, 6_500)).toEqual({ offsetMs: -500, measuredAtWallMs: 7_000 });
  });

  it('rounds an odd round trip to whole milliseconds', () => {
    const measured = RegisterClock.measure(0, 3, 100); // midpoint 1.5
    expect(Number.isInteger(measured.offsetMs)).toBe(true);
    expect(measured.offsetMs).toBe(99);
  });

  it('applied fresh, reads the server time plus half the round trip at the receive instant', () => {
    const time = fakeTime(T0 + 400);
    const clock = new RegisterClock(time);
    clock.setMeasurement(RegisterClock.measure(T0, T0 + 400, T0 + 10_000), true);
    expect(clock.read(POLICY)).toEqual({ nowMs: T0 + 10_200, now: Math.floor((T0 + 10_200) / 1000), trusted: true, distrust: null });
  });
});

describe('RegisterClock after a fresh measurement', () => {
  function measuredClock(offsetMs = 2_000): { clock: RegisterClock; time: ReturnType<typeof fakeTime> } {
    const time = fakeTime();
    const clock = new RegisterClock(time);
    clock.setMeasurement({ offsetMs, measuredAtWallMs: T0 }, true);
    return { clock, time };
  }

  it('applies the offset and advances with the monotonic clock', () => {
    const { clock, time } = measuredClock(2_000);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 2_000, trusted: true, distrust: null });
    time.tick(10_000);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 12_000, trusted: true });
  });

  it('follows the monotonic clock, not the wall, when the wall jumps, and then distrusts it', () => {
    const { clock, time } = measuredClock(2_000);
    time.tick(1_000);
    time.jumpWall(3_600_000);
    expect(clock.read(POLICY)).toEqual({
      nowMs: T0 + 3_000,
      now: Math.floor((T0 + 3_000) / 1000),
      trusted: false,
      distrust: 'clocks_disagree',
    });
  });

  it('distrusts a wall clock set back just as much as one set forward', () => {
    const { clock, time } = measuredClock(0);
    time.tick(120_000);
    time.jumpWall(-(SKEW_MS + 1));
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 120_000, trusted: false, distrust: 'clocks_disagree' });
  });

  it('accepts a disagreement of exactly skew and refuses one millisecond more', () => {
    const exactly = measuredClock(0);
    exactly.time.tick(30_000);
    exactly.time.jumpWall(SKEW_MS);
    expect(exactly.clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
    exactly.time.jumpWall(1);
    expect(exactly.clock.read(POLICY)).toMatchObject({ trusted: false, distrust: 'clocks_disagree' });

    const behind = measuredClock(0);
    behind.time.tick(30_000);
    behind.time.jumpWall(-SKEW_MS);
    expect(behind.clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
  });

  it('stays untrusted after the clocks disagreed until the next measurement (§4)', () => {
    const { clock, time } = measuredClock(0);
    time.tick(1_000);
    time.jumpWall(3_600_000);
    expect(clock.read(POLICY).distrust).toBe('clocks_disagree');
    time.jumpWall(-3_600_000); // the wall is put back
    expect(clock.read(POLICY)).toMatchObject({ trusted: false, distrust: 'clocks_disagree' });
    const wall = time.wallMs();
    clock.setMeasurement({ offsetMs: 0, measuredAtWallMs: wall }, true);
    expect(clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
  });

  it('is trusted with an offset of exactly skew and not beyond, in either direction', () => {
    expect(measuredClock(SKEW_MS).clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
    expect(measuredClock(-SKEW_MS).clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
    expect(measuredClock(SKEW_MS + 1).clock.read(POLICY)).toMatchObject({ nowMs: T0 + SKEW_MS + 1, trusted: false, distrust: 'offset_too_large' });
    expect(measuredClock(-SKEW_MS - 1).clock.read(POLICY)).toMatchObject({ trusted: false, distrust: 'offset_too_large' });
  });

  it('becomes measurement_too_old one millisecond after maxClockAgeSeconds', () => {
    const { clock, time } = measuredClock(500);
    time.tick(MAX_AGE_MS);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 500 + MAX_AGE_MS, trusted: true, distrust: null });
    time.tick(1);
    expect(clock.read(POLICY)).toMatchObject({ trusted: false, distrust: 'measurement_too_old' });
  });

  it('trusts again after a new measurement', () => {
    const { clock, time } = measuredClock(500);
    time.tick(MAX_AGE_MS + 1);
    expect(clock.read(POLICY).trusted).toBe(false);
    clock.setMeasurement({ offsetMs: 700, measuredAtWallMs: time.wallMs() }, true);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: time.wallMs() + 700, trusted: true, distrust: null });
  });
});

describe('RegisterClock with a measurement loaded from disk', () => {
  it('uses the current wall time as its base, not the time of the measurement', () => {
    const time = fakeTime(T0 + 600_000);
    const clock = new RegisterClock(time);
    clock.setMeasurement({ offsetMs: 1_500, measuredAtWallMs: T0 }, false);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 600_000 + 1_500, trusted: true, distrust: null });
    time.tick(2_000);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 602_000 + 1_500, trusted: true });
  });

  it('counts its age from when it was measured, with the boundary at maxClockAgeSeconds', () => {
    const atLimit = new RegisterClock(fakeTime(T0 + MAX_AGE_MS));
    atLimit.setMeasurement({ offsetMs: 0, measuredAtWallMs: T0 }, false);
    expect(atLimit.read(POLICY)).toMatchObject({ trusted: true, distrust: null });

    const time = fakeTime(T0 + MAX_AGE_MS - 5_000);
    const clock = new RegisterClock(time);
    clock.setMeasurement({ offsetMs: 0, measuredAtWallMs: T0 }, false);
    time.tick(5_000);
    expect(clock.read(POLICY)).toMatchObject({ trusted: true, distrust: null });
    time.tick(1);
    expect(clock.read(POLICY)).toMatchObject({ trusted: false, distrust: 'measurement_too_old' });
  });

  it('distrusts a measurement from the future (negative age: the wall was set back)', () => {
    const clock = new RegisterClock(fakeTime(T0 - 1));
    clock.setMeasurement({ offsetMs: 0, measuredAtWallMs: T0 }, false);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 - 1, trusted: false, distrust: 'measurement_too_old' });
  });
});

describe('RegisterClock floors', () => {
  it('never reads below the floor, and a floor never goes down', () => {
    const time = fakeTime(T0);
    const clock = new RegisterClock(time);
    clock.setMeasurement({ offsetMs: 0, measuredAtWallMs: T0 }, true);
    clock.raiseFloor(T0 + 5_000);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 5_000, now: (T0 + 5_000) / 1000, trusted: true });
    clock.raiseFloor(T0 + 1_000); // lower: ignored
    expect(clock.read(POLICY).nowMs).toBe(T0 + 5_000);
    time.tick(4_000);
    expect(clock.read(POLICY).nowMs).toBe(T0 + 5_000);
    time.tick(2_000);
    expect(clock.read(POLICY).nowMs).toBe(T0 + 6_000);
  });

  it('holds the reading up even when the wall clock goes back before any measurement', () => {
    const time = fakeTime(T0);
    const clock = new RegisterClock(time);
    clock.raiseFloor(T0 + 250);
    time.setWall(T0 - 86_400_000);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: T0 + 250, trusted: false, distrust: 'never_measured' });
  });
});

describe('RegisterClock now', () => {
  it('is the whole seconds of nowMs, rounded down', () => {
    const time = fakeTime(1_999);
    const clock = new RegisterClock(time);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: 1_999, now: 1 });
    time.tick(1);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: 2_000, now: 2 });
    time.tick(999);
    expect(clock.read(POLICY)).toMatchObject({ nowMs: 2_999, now: 2 });
  });
});
