import type { Socket } from 'node:net';

/** Milliseconds on a monotonic scale; injected so shaping and flapping can run on a fake clock. */
export interface FaultProxyClock {
  now(): number;
}

/** The two timer calls the proxy needs; injected so a test can step time by hand. */
export interface FaultProxyTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: FaultProxyClock = { now: () => performance.now() };

export const systemTimers: FaultProxyTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Aborts a TCP connection with an RST (the peer sees ECONNRESET), or closes it where that is unavailable. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // Not a TCP handle (cannot happen for node:net sockets): fall back to a plain close.
    }
  }
  socket.destroy();
}

/** Copies `from` to `to` with backpressure, half-close included; `onBytes` counts what was written. */
export function forwardPlain(from: Socket, to: Socket, onBytes: (count: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    onBytes(chunk.length);
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => to.end());
}

/**
 * Copies `from` to `to` until `limit` bytes have gone through, then stops reading and hands the
 * last (possibly empty) slice to `onLimit`, which decides how the connection dies. A stream that
 * ends before the limit is forwarded whole.
 */
export function forwardLimited(
  from: Socket,
  to: Socket,
  limit: number,
  onBytes: (count: number) => void,
  onLimit: (lastSlice: Buffer) => void,
): void {
  let forwarded = 0;
  const onData = (chunk: Buffer): void => {
    const room = limit - forwarded;
    if (chunk.length < room) {
      forwarded += chunk.length;
      onBytes(chunk.length);
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      return;
    }
    forwarded = limit;
    from.off('data', onData);
    from.pause();
    onBytes(room);
    onLimit(chunk.subarray(0, room));
  };
  from.on('data', onData);
  from.on('end', () => {
    if (forwarded < limit) to.end();
  });
}

export interface LinkShape {
  readonly latencyMs: number;
  /** Infinity: no bandwidth cap. */
  readonly bytesPerSecond: number;
}

// Reading stops while this much is queued on the simulated wire, so a fast sender cannot make
// the proxy buffer without bound; it resumes once the queue is under half of it.
const QUEUE_HIGH_WATER = 256 * 1024;

/**
 * Copies `from` to `to` through a simulated link: bytes are clocked out at `bytesPerSecond`
 * (in slices of ~50 ms, so the stream flows rather than arriving in bursts) and each slice
 * arrives `latencyMs` after it left. An end is delivered after the last queued byte.
 * Returns a function that cancels the pending delivery timer.
 */
export function forwardShaped(
  from: Socket,
  to: Socket,
  shape: LinkShape,
  clock: FaultProxyClock,
  timers: FaultProxyTimers,
  onBytes: (count: number) => void,
): () => void {
  const capped = Number.isFinite(shape.bytesPerSecond);
  const sliceSize = capped ? Math.max(1, Math.min(16 * 1024, Math.floor(shape.bytesPerSecond / 20))) : Infinity;
  const queue: { at: number; data: Buffer }[] = [];
  let queuedBytes = 0;
  let wireFreeAt = -Infinity;
  let ended = false;
  let timer: unknown;
  let cancelled = false;

  const schedule = (): void => {
    const head = queue[0];
    if (timer !== undefined || head === undefined || cancelled) return;
    timer = timers.setTimeout(deliver, Math.max(0, head.at - clock.now()));
  };

  const deliver = (): void => {
    timer = undefined;
    if (cancelled || to.destroyed) return;
    const now = clock.now();
    for (let head = queue[0]; head !== undefined && head.at <= now; head = queue[0]) {
      queue.shift();
      queuedBytes -= head.data.length;
      onBytes(head.data.length);
      to.write(head.data);
    }
    if (queuedBytes <= QUEUE_HIGH_WATER / 2 && from.isPaused()) from.resume();
    if (queue.length > 0) schedule();
    else if (ended) to.end();
  };

  from.on('data', (chunk: Buffer) => {
    const now = clock.now();
    for (let offset = 0; offset < chunk.length; offset += sliceSize) {
      const data = chunk.subarray(offset, offset + sliceSize);
      const start = Math.max(now, wireFreeAt);
      wireFreeAt = capped ? start + (data.length * 1000) / shape.bytesPerSecond : start;
      queue.push({ at: wireFreeAt + shape.latencyMs, data });
      queuedBytes += data.length;
    }
    if (queuedBytes > QUEUE_HIGH_WATER) from.pause();
    schedule();
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0) to.end();
  });

  return () => {
    cancelled = true;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
}
