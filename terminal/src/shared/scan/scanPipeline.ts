import { toHex, utf8Decode } from '@tegata/protocol';
import type { ScannerConfig } from '../contracts/terminalApi.js';
import type { ScanEvent, ScannerProblem } from './scanEvent.js';

/**
 * The scanner pipeline of DESIGN.md "A sale", step 2: one ScanEvent in, the code's text (or a
 * duplicate, or a problem for the technician) out. It only undoes the scanner's framing; the
 * text it hands on is otherwise exactly what the scanner read (no trimming, no case changes) —
 * the payment token decoder (PROTOCOL.md §3) does its own whitespace and AIM handling.
 */

/** How one scanner frames a read: the same fields as its configuration. */
export type ScanFraming = Pick<ScannerConfig, 'prefix' | 'suffix' | 'terminator'>;

export const DEFAULT_FRAMING: Readonly<ScanFraming> = Object.freeze({
  prefix: '',
  suffix: '',
  terminator: 'CR',
});
export const DEFAULT_DUPLICATE_WINDOW_MS = 1500;
/** PROTOCOL.md §3 step 1: no decoder looks at more than this. */
export const DEFAULT_MAX_TEXT_BYTES = 4096;

export interface ScanPipelineOptions {
  /** A code read again within this many ms of its last accepted read is a duplicate. */
  duplicateWindowMs?: number;
  /** The longest text (after framing is stripped) the pipeline passes on, in UTF-8 bytes. */
  maxTextBytes?: number;
  /** The framing of each scanner; undefined (or no function) means CR and no prefix/suffix. */
  framingFor?: (deviceId: string) => ScanFraming | undefined;
}

export type PipelineResult =
  | { kind: 'text'; text: string; symbology: string | null; event: ScanEvent }
  | { kind: 'duplicate'; text: string; event: ScanEvent }
  | { kind: 'problem'; problem: ScannerProblem };

export interface ScanPipeline {
  accept(event: ScanEvent): PipelineResult;
}

/**
 * Bytes a raw read may carry beyond maxTextBytes + prefix + suffix before we refuse to decode
 * it: an AIM identifier (3) and CR/LF at both ends (a CRLF scanner split on CR leaves the LF at
 * the start of the next read).
 */
const FRAMING_SLACK_BYTES = 3 + 2 + 2;
const SAMPLE_BYTES = 64;
/** Bounds memory when a faulty scanner floods distinct texts. */
const MAX_REMEMBERED_TEXTS = 1024;
const AIM_ID = /^\][A-Za-z][0-9]/;
const GS = 0x1d;

export function createScanPipeline(options: ScanPipelineOptions = {}): ScanPipeline {
  const windowMs = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError('duplicateWindowMs must be ≥ 0');
  if (!Number.isInteger(maxTextBytes) || maxTextBytes < 1) {
    throw new RangeError('maxTextBytes must be a positive integer');
  }
  const framingFor = options.framingFor ?? (() => undefined);
  /** text → receivedAt of its last accepted read, oldest first. */
  const lastAccepted = new Map<string, number>();

  function problem(event: ScanEvent, code: ScannerProblem['code'], message: string): PipelineResult {
    const sample = toHex(event.raw.subarray(0, SAMPLE_BYTES));
    const { deviceId, receivedAt: at } = event;
    return { kind: 'problem', problem: { deviceId, at, code, message, sample } };
  }

  function tooLong(event: ScanEvent, bytes: number, framing: ScanFraming): PipelineResult {
    return problem(
      event,
      'line_too_long',
      `The scanner sent ${formatCount(bytes)} bytes without a terminator the register recognised ` +
        `(it expects ${terminatorName(framing.terminator)} after each code); a code is at most ` +
        `${formatCount(maxTextBytes)}. Check the scanner's terminator setting and the serial settings.`,
    );
  }

  function isDuplicate(text: string, at: number): boolean {
    for (const [seen, seenAt] of lastAccepted) {
      if (at - seenAt <= windowMs && lastAccepted.size <= MAX_REMEMBERED_TEXTS) break;
      lastAccepted.delete(seen); // oldest first: everything before the first live entry is stale
    }
    const previous = lastAccepted.get(text);
    // Absolute difference: events from two devices may be handled slightly out of order.
    if (previous !== undefined && Math.abs(at - previous) <= windowMs) return true;
    lastAccepted.delete(text);
    lastAccepted.set(text, at);
    return false;
  }

  return {
    accept(event) {
      const framing = framingFor(event.deviceId) ?? DEFAULT_FRAMING;
      // 1. Cap before any decoding: a scanner that never sends its terminator must not make us
      //    decode megabytes.
      const allowance =
        maxTextBytes + utf8Length(framing.prefix) + utf8Length(framing.suffix) + FRAMING_SLACK_BYTES;
      if (event.raw.length > allowance) return tooLong(event, event.raw.length, framing);

      // 2. Strict UTF-8.
      const decoded = utf8Decode(event.raw);
      if (decoded === null) {
        return problem(
          event,
          'invalid_utf8',
          'The scanner sent bytes that are not valid text (UTF-8). Usually the serial settings ' +
            '(baud rate, data bits, parity) do not match the scanner, or the scanner uses another ' +
            'character set: check them and scan the test code again.',
        );
      }

      // 3. The terminator, leniently: any CR/LF run at the end (and at the start, where a CRLF
      //    scanner read on a CR setting leaves its LF), plus Tab when Tab is the terminator.
      const stripTab = framing.terminator === 'TAB';
      let start = 0;
      let end = decoded.length;
      while (end > start && isTerminatorChar(decoded.charCodeAt(end - 1), stripTab)) end--;
      while (start < end && isTerminatorChar(decoded.charCodeAt(start), false)) start++;

      // 4. Suffix, then prefix, exact matches only. Some scanners put the AIM identifier before
      //    the configured prefix, so `]Q1` + prefix is accepted too.
      let aim: string | null = null;
      const { prefix, suffix } = framing;
      if (suffix !== '' && end - start >= suffix.length && decoded.startsWith(suffix, end - suffix.length)) {
        end -= suffix.length;
      }
      if (prefix !== '' && end - start >= prefix.length) {
        if (decoded.startsWith(prefix, start)) {
          start += prefix.length;
        } else if (
          end - start >= prefix.length + 3 &&
          AIM_ID.test(decoded.slice(start, start + 3)) &&
          decoded.startsWith(prefix, start + 3)
        ) {
          aim = decoded.slice(start, start + 3);
          start += 3 + prefix.length;
        }
      }

      // 5. One leading AIM symbology identifier.
      if (aim === null && end - start >= 3 && AIM_ID.test(decoded.slice(start, start + 3))) {
        aim = decoded.slice(start, start + 3);
        start += 3;
      }
      const symbology = event.symbology !== undefined && event.symbology !== '' ? event.symbology : aim;
      const text = decoded.slice(start, end);

      const textBytes = utf8Length(text);
      if (textBytes > maxTextBytes) return tooLong(event, textBytes, framing);

      // 6. Control characters: GS separates GS1 fields; anything else is noise or wrong framing.
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if ((code < 0x20 && code !== GS) || code === 0x7f) {
          const byteOffset = utf8Length(decoded.slice(0, start + i));
          return problem(event, 'binary_noise', noiseMessage(code, byteOffset, framing));
        }
      }

      // 7. Nothing left.
      if (text === '') {
        return problem(
          event,
          'partial_frame',
          'The scanner sent only framing (terminator, prefix, suffix or symbology identifier) and ' +
            'no code. A read was cut short or a stray terminator arrived: scan again; if it keeps ' +
            "happening, check the cable and the scanner's prefix and suffix settings.",
        );
      }

      // 8. The same code again within the window (a camera reads a held phone many times a second).
      if (isDuplicate(text, event.receivedAt)) return { kind: 'duplicate', text, event };
      return { kind: 'text', text, symbology, event };
    },
  };
}

function isTerminatorChar(code: number, tab: boolean): boolean {
  return code === 0x0d || code === 0x0a || (tab && code === 0x09);
}

const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x02: 'STX',
  0x03: 'ETX',
  0x04: 'EOT',
  0x09: 'Tab',
  0x0a: 'LF',
  0x0d: 'CR',
  0x1b: 'ESC',
  0x7f: 'DEL',
};

function noiseMessage(code: number, byteOffset: number, framing: ScanFraming): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const name = CONTROL_NAMES[code];
  const label = name === undefined ? hex : `${hex} (${name})`;
  const what =
    `The scanner sent control character ${label} at byte ${formatCount(byteOffset)}, ` +
    'which no code contains.';
  if (code === 0x0d || code === 0x0a || code === 0x09) {
    return (
      `${what} It looks like a terminator in the middle of a read: the scanner's terminator may ` +
      `differ from the register's setting (${terminatorName(framing.terminator)}), or two reads ran together.`
    );
  }
  if (code === 0x02 || code === 0x03 || code === 0x04) {
    return `${what} The scanner seems to wrap each read in STX/ETX: turn that off, or set them as prefix and suffix.`;
  }
  return `${what} Usually electrical noise, or serial settings (baud rate, parity) that do not match the scanner.`;
}

function terminatorName(terminator: ScanFraming['terminator']): string {
  switch (terminator) {
    case 'CR':
      return 'CR (Enter)';
    case 'LF':
      return 'LF (line feed)';
    case 'CRLF':
      return 'CR LF';
    case 'TAB':
      return 'Tab';
  }
}

/** 5000 → "5 000": a number a technician reads at a glance, in any locale. */
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
