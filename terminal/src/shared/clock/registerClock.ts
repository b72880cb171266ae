/**
 * The register's clock, PROTOCOL.md §4: the wall clock corrected by the offset measured
 * against the backend, advanced with the monotonic clock between measurements, never earlier
 * than the last journal record or the trust bundle's issuedAt − skew, and untrusted when it was
 * never measured, is too old, was too far off, or the wall and monotonic clocks disagree.
 */

/** Injected time sources (milliseconds). */
export interface TimeSources {
  wallMs(): number;
  monotonicMs(): number;
}

/** A measurement of the offset, as stored across restarts. */
export interface ClockMeasurement {
  /** backend time − wall time, ms. */
  offsetMs: number;
  /** Wall time of the measurement, ms. */
  measuredAtWallMs: number;
}

export interface ClockPolicy {
  clockSkewSeconds: number;
  maxClockAgeSeconds: number;
}

export type ClockDistrust = 'never_measured' | 'measurement_too_old' | 'offset_too_large' | 'clocks_disagree';

export interface ClockReading {
  /** Corrected milliseconds, after the floors. */
  nowMs: number;
  /** Whole seconds of nowMs, the `now` of §4. */
  now: number;
  trusted: boolean;
  distrust: ClockDistrust | null;
}

export class RegisterClock {
  #measurement: ClockMeasurement | null = null;
  /** Wall and monotonic readings taken together when the measurement was applied. */
  #baseWallMs = 0;
  #baseMonoMs = 0;
  #floorMs = 0;
  /** Once the wall and monotonic clocks disagreed, only a new measurement restores trust. */
  #disagreed = false;

  constructor(private readonly sources: TimeSources) {}

  get measurement(): ClockMeasurement | null {
    return this.#measurement;
  }

  /**
   * Applies a measurement: just taken (`fresh`, the monotonic clock continues from here), or
   * loaded from disk at start, when the time between is unknown to the monotonic clock.
   */
  setMeasurement(measurement: ClockMeasurement, fresh: boolean): void {
    this.#measurement = measurement;
    this.#disagreed = false;
    this.#baseWallMs = fresh ? measurement.measuredAtWallMs : this.sources.wallMs();
    this.#baseMonoMs = this.sources.monotonicMs();
  }

  /** Round-trip corrected measurement from a `GET /v1/time` exchange. */
  static measure(sentAtWallMs: number, receivedAtWallMs: number, serverMs: number): ClockMeasurement {
    const midpoint = sentAtWallMs + (receivedAtWallMs - sentAtWallMs) / 2;
    return { offsetMs: Math.round(serverMs - midpoint), measuredAtWallMs: receivedAtWallMs };
  }

  /** The clock never goes behind this (ms): the last record's createdAt, the bundle's issuedAt − skew. */
  raiseFloor(ms: number): void {
    if (ms > this.#floorMs) this.#floorMs = ms;
  }

  read(policy: ClockPolicy): ClockReading {
    const wall = this.sources.wallMs();
    const measurement = this.#measurement;
    let corrected: number;
    let distrust: ClockDistrust | null = null;
    if (measurement === null) {
      corrected = wall;
      distrust = 'never_measured';
    } else {
      const monoElapsed = this.sources.monotonicMs() - this.#baseMonoMs;
      corrected = this.#baseWallMs + monoElapsed + measurement.offsetMs;
      const skewMs = policy.clockSkewSeconds * 1000;
      const wallElapsed = wall - this.#baseWallMs;
      const age = corrected - (measurement.measuredAtWallMs + measurement.offsetMs);
      if (Math.abs(measurement.offsetMs) > skewMs) distrust = 'offset_too_large';
      else if (this.#disagreed || Math.abs(wallElapsed - monoElapsed) > skewMs) {
        this.#disagreed = true;
        distrust = 'clocks_disagree';
      }
      else if (age < 0 || age > policy.maxClockAgeSeconds * 1000) distrust = 'measurement_too_old';
    }
    const nowMs = Math.max(Math.floor(corrected), this.#floorMs);
    return { nowMs, now: Math.floor(nowMs / 1000), trusted: distrust === null, distrust };
  }
}
