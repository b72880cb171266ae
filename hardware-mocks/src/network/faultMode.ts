/**
 * The faults the loopback proxy can inject, as plain data so a test, a CLI line or a config
 * file can name one. Every mode except `flap` decides how ONE connection behaves for its whole
 * life; `flap` only decides which of those modes new connections get, and for how long.
 */

/** Forward both ways, untouched. */
export interface PassMode {
  readonly kind: 'pass';
}

/**
 * The backend is unreachable. Implemented as a reset: the listener stays open, and each new
 * connection is accepted and at once reset (RST), so the client's request fails fast with
 * ECONNRESET (EPIPE if it was still writing). Closing the listener would give ECONNREFUSED, but
 * then switching back to `pass` would have to re-bind the port, which something else may have
 * taken meanwhile; a reset keeps the port ours and fails the client just as fast.
 */
export interface DownMode {
  readonly kind: 'down';
}

/** Accept, read and discard, never answer and never close: the client's own timeout must fire. */
export interface BlackholeMode {
  readonly kind: 'blackhole';
}

/**
 * Both directions delayed by `latencyMs` and serialised at `bytesPerSecond` (Infinity: latency
 * only), as a long thin link would: a chunk leaves `latencyMs` after its last byte was clocked out.
 */
export interface SlowMode {
  readonly kind: 'slow';
  readonly latencyMs: number;
  readonly bytesPerSecond: number;
}

/**
 * The request is forwarded whole; the client gets only the first `afterBytes` bytes of the
 * response (headers included), then the proxy closes the client socket and drops the upstream.
 */
export interface CutResponseMode {
  readonly kind: 'cut_response';
  readonly afterBytes: number;
}

/**
 * The first `afterBytes` request bytes are forwarded, then both sockets are reset (RST) and the
 * rest of the request is never forwarded: the client sees ECONNRESET, the upstream an incomplete
 * request. `afterBytes: 0` resets on accept, before any byte is read.
 */
export interface ResetRequestMode {
  readonly kind: 'reset_request';
  readonly afterBytes: number;
}

/** A mode that fixes the behaviour of a connection: everything but `flap`. */
export type SteadyFaultMode = PassMode | DownMode | BlackholeMode | SlowMode | CutResponseMode | ResetRequestMode;

/**
 * Every `periodMs` (and once at the start) new connections get one of `modes`, picked uniformly
 * from the proxy's seeded stream, so the same seed replays the same sequence. The same mode may be
 * picked twice in a row. Default modes: pass, down, blackhole.
 */
export interface FlapMode {
  readonly kind: 'flap';
  readonly periodMs: number;
  readonly modes?: readonly SteadyFaultMode[];
}

export type FaultMode = SteadyFaultMode | FlapMode;
export type FaultKind = FaultMode['kind'];
export type SteadyFaultKind = SteadyFaultMode['kind'];

export const STEADY_FAULT_KINDS: readonly SteadyFaultKind[] = [
  'pass',
  'down',
  'blackhole',
  'slow',
  'cut_response',
  'reset_request',
];

export const DEFAULT_FLAP_MODES: readonly SteadyFaultMode[] = [{ kind: 'pass' }, { kind: 'down' }, { kind: 'blackhole' }];

/** Throws RangeError when a mode's numbers make no sense (negative, NaN, an empty flap list, …). */
export function assertValidFaultMode(mode: FaultMode): void {
  switch (mode.kind) {
    case 'pass':
    case 'down':
    case 'blackhole':
      return;
    case 'slow':
      if (!Number.isFinite(mode.latencyMs) || mode.latencyMs < 0) {
        throw new RangeError(`slow: latencyMs must be a finite number ≥ 0, got ${mode.latencyMs}`);
      }
      if (Number.isNaN(mode.bytesPerSecond) || mode.bytesPerSecond <= 0) {
        throw new RangeError(`slow: bytesPerSecond must be > 0 (Infinity for no cap), got ${mode.bytesPerSecond}`);
      }
      return;
    case 'cut_response':
    case 'reset_request':
      if (!Number.isSafeInteger(mode.afterBytes) || mode.afterBytes < 0) {
        throw new RangeError(`${mode.kind}: afterBytes must be an integer ≥ 0, got ${mode.afterBytes}`);
      }
      return;
    case 'flap':
      if (!Number.isFinite(mode.periodMs) || mode.periodMs <= 0) {
        throw new RangeError(`flap: periodMs must be a finite number > 0, got ${mode.periodMs}`);
      }
      if (mode.modes !== undefined) {
        if (mode.modes.length === 0) throw new RangeError('flap: modes must not be empty');
        for (const inner of mode.modes) {
          if ((inner as FaultMode).kind === 'flap') throw new RangeError('flap: modes cannot contain flap');
          assertValidFaultMode(inner);
        }
      }
      return;
  }
}

/** A short human-readable form, as the CLI prints it: `slow 200ms 10000B/s`, `flap 500ms [pass, down]`. */
export function describeFaultMode(mode: FaultMode): string {
  switch (mode.kind) {
    case 'pass':
    case 'down':
    case 'blackhole':
      return mode.kind;
    case 'slow':
      return `slow ${mode.latencyMs}ms ${mode.bytesPerSecond === Infinity ? 'uncapped' : `${mode.bytesPerSecond}B/s`}`;
    case 'cut_response':
    case 'reset_request':
      return `${mode.kind} after ${mode.afterBytes}B`;
    case 'flap':
      return `flap ${mode.periodMs}ms [${(mode.modes ?? DEFAULT_FLAP_MODES).map(describeFaultMode).join(', ')}]`;
  }
}
