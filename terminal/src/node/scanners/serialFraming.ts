import { MAX_SCAN_BYTES } from '@tegata/protocol';
import type { ScannerConfig } from '../../shared/contracts/terminalApi.js';

export type Terminator = ScannerConfig['terminator'];

const TERMINATOR_BYTES: Record<Terminator, Buffer> = {
  CR: Buffer.from([0x0d]),
  LF: Buffer.from([0x0a]),
  CRLF: Buffer.from([0x0d, 0x0a]),
  TAB: Buffer.from([0x09]),
};

/** Longest read accepted, terminator excluded: the token decoder looks at no more either. */
export const MAX_READ_BYTES = MAX_SCAN_BYTES;
/** How much of a bad frame a problem report carries. */
export const SAMPLE_BYTES = 64;

export type FramingOutput =
  /** A complete read, terminator included, copied out of the stream's buffers. */
  | { kind: 'read'; raw: Uint8Array }
  /** A read longer than the limit was dropped; `sample` is its start, hex. */
  | { kind: 'too_long'; sample: string; length: number };

export interface FrameSplitter {
  /** Feeds bytes as they arrive; returns what they completed, in order. */
  push(chunk: Uint8Array): FramingOutput[];
  /**
   * The line went silent: returns the bytes of the unfinished read (empty if none) and starts
   * afresh, also ending a discard — silence ends a frame as surely as a terminator does.
   */
  flush(): Uint8Array;
  /** True when nothing is buffered or being discarded, so no silence timer is needed. */
  readonly idle: boolean;
}

/**
 * Splits a serial byte stream into reads at the configured terminator. Memory stays bounded:
 * at most one read's worth (plus a partial terminator) is buffered between chunks, and an
 * over-long read is reported once and discarded up to its terminator.
 */
export function createFrameSplitter(terminator: Terminator, maxReadBytes = MAX_READ_BYTES): FrameSplitter {
  const term = TERMINATOR_BYTES[terminator];
  let pending: Buffer = Buffer.alloc(0);
  let discarding = false;

  function push(chunk: Uint8Array): FramingOutput[] {
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const data = pending.length === 0 ? incoming : Buffer.concat([pending, incoming]);
    const out: FramingOutput[] = [];
    let start = 0;
    for (let at = data.indexOf(term, start); at >= 0; at = data.indexOf(term, start)) {
      const end = at + term.length;
      if (discarding) {
        discarding = false;
      } else if (at - start > maxReadBytes) {
        out.push(tooLong(data.subarray(start, at)));
      } else {
        out.push({ kind: 'read', raw: new Uint8Array(data.subarray(start, end)) });
      }
      start = end;
    }
    const rest = data.subarray(start);
    if (!discarding && rest.length - partialTerminatorLength(rest) > maxReadBytes) {
      out.push(tooLong(rest));
      discarding = true;
    }
    // While discarding keep only what could be the start of a terminator split across chunks.
    pending = Buffer.from(discarding ? rest.subarray(rest.length - partialTerminatorLength(rest)) : rest);
    return out;
  }

  /** How many bytes at the end of `bytes` could begin a terminator (CRLF's CR). */
  function partialTerminatorLength(bytes: Buffer): number {
    for (let n = Math.min(term.length - 1, bytes.length); n > 0; n--) {
      if (bytes.subarray(bytes.length - n).equals(term.subarray(0, n))) return n;
    }
    return 0;
  }

  function flush(): Uint8Array {
    const partial = discarding ? new Uint8Array(0) : new Uint8Array(pending);
    pending = Buffer.alloc(0);
    discarding = false;
    return partial;
  }

  return {
    push,
    flush,
    get idle() {
      return pending.length === 0 && !discarding;
    },
  };
}

function tooLong(bytes: Uint8Array): FramingOutput {
  return { kind: 'too_long', sample: hexSample(bytes), length: bytes.length };
}

/** Up to SAMPLE_BYTES of `bytes` as lowercase hex, for a technician's diagnostics. */
export function hexSample(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SAMPLE_BYTES)).toString('hex');
}
