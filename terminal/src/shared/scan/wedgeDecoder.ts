import { utf8Encode } from '@tegata/protocol';
import type { ScanEvent } from './scanEvent.js';

/**
 * Keyboard-wedge scanners type into the focused window. The renderer feeds every keydown to
 * this decoder and delivers the `keys` outputs to the UI as ordinary input; `scan` outputs go to
 * the scan pipeline. Keys are held only while they could still be a scan (at most maxInterKeyMs
 * after the last one; call `flush` on a timer), and everything a human types comes back out.
 */

/** The keyboard layout the register (host) is set to. The scanner always types US scancodes. */
export type HostLayout = 'us' | 'de' | 'fr';
export type WedgeTerminator = 'Enter' | 'Tab';

export interface WedgeDecoderOptions {
  deviceId: string;
  /** The longest gap between two keys of one scan (and before its terminator). */
  maxInterKeyMs?: number;
  /** Fewest printable characters a scan has (a payment code has 330). */
  minLength?: number;
  terminator?: WedgeTerminator;
  layout?: HostLayout;
}

export interface WedgeKeyEvent {
  /** `KeyboardEvent.key`. */
  key: string;
  /** Milliseconds, on the same clock as ScanEvent.receivedAt. */
  at: number;
  /** `KeyboardEvent.repeat`: a key held down is a human, never a scanner. */
  repeat?: boolean;
}

export type WedgeOutput =
  /** `typed` is what the host produced before layout correction, for the technician. */
  | { kind: 'scan'; event: ScanEvent; typed: string }
  | { kind: 'keys'; keys: string[] };

export interface WedgeDecoder {
  key(event: WedgeKeyEvent): WedgeOutput[];
  /** Releases held keys once no scan can continue them (call on a timer, e.g. every 20 ms). */
  flush(at: number): WedgeOutput[];
}

export const DEFAULT_WEDGE_MAX_INTER_KEY_MS = 35;
export const DEFAULT_WEDGE_MIN_LENGTH = 6;
/** Beyond this a burst is released as keys: no code is that long, and memory stays bounded. */
const MAX_BURST_KEYS = 8192;

export function createWedgeDecoder(options: WedgeDecoderOptions): WedgeDecoder {
  const maxGap = options.maxInterKeyMs ?? DEFAULT_WEDGE_MAX_INTER_KEY_MS;
  const minLength = options.minLength ?? DEFAULT_WEDGE_MIN_LENGTH;
  const terminator = options.terminator ?? 'Enter';
  const layout = options.layout ?? 'us';
  const { deviceId } = options;
  if (!Number.isFinite(maxGap) || maxGap <= 0) throw new RangeError('maxInterKeyMs must be > 0');
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new RangeError('minLength must be a positive integer');
  }

  /** Printable keys of the burst in progress, in order; each gap so far ≤ maxGap. */
  let pending: string[] = [];
  let lastAt = 0;

  function take(): string[] {
    const keys = pending;
    pending = [];
    return keys;
  }

  function asKeys(keys: string[]): WedgeOutput[] {
    return keys.length === 0 ? [] : [{ kind: 'keys', keys }];
  }

  return {
    key({ key, at, repeat = false }) {
      if (key === 'Shift') return []; // the scanner's Shift for capitals; produces no input
      const released = pending.length > 0 && at - lastAt > maxGap ? take() : [];

      if (key === terminator && !repeat && pending.length >= minLength) {
        const typed = take().join('');
        const text = fromHostLayout(typed, layout);
        const event: ScanEvent = { source: 'wedge', deviceId, receivedAt: at, raw: utf8Encode(text) };
        return [...asKeys(released), { kind: 'scan', event, typed }];
      }
      if (repeat || !isPrintable(key)) {
        // Backspace, arrows, a short burst's terminator, a held key: a human's, delivered as is.
        return asKeys([...released, ...take(), key]);
      }
      pending.push(key);
      lastAt = at;
      return asKeys(pending.length > MAX_BURST_KEYS ? [...released, ...take()] : released);
    },

    flush(at) {
      return pending.length > 0 && at - lastAt > maxGap ? asKeys(take()) : [];
    },
  };
}

/** One code point at or above U+0020, not DEL: what a key value is when it types a character. */
function isPrintable(key: string): boolean {
  const code = key.codePointAt(0);
  if (code === undefined || code < 0x20 || code === 0x7f) return false;
  return key.length === (code > 0xffff ? 2 : 1);
}

/*
 * Layout correction. A scanner typing US scancodes into a host set to another layout produces
 * that layout's character for each US key position. We map back only the characters our codes
 * use — A–Z and a–z (AIM identifier letters are either case), the digits, and `]` — so that
 * the inverse is exact; every other character passes unchanged.
 *
 * German QWERTZ: Y↔Z (both cases); `]` arrives as `+`. Digits are where US has them.
 * French AZERTY: A↔Q, Z↔W (both cases); M arrives as `?` and m as `,`; `]` as `$`; the digit
 * row is shift-inverted, so unshifted 1234567890 arrive as &é"'(-è_çà. Digits that do arrive as
 * digits (Caps Lock on some hosts) stay digits.
 */
const RECEIVED_TO_MEANT: Readonly<Record<HostLayout, ReadonlyMap<string, string>>> = {
  us: new Map(),
  de: new Map([
    ['Y', 'Z'],
    ['Z', 'Y'],
    ['y', 'z'],
    ['z', 'y'],
    ['+', ']'],
  ]),
  fr: new Map([
    ['A', 'Q'],
    ['Q', 'A'],
    ['a', 'q'],
    ['q', 'a'],
    ['Z', 'W'],
    ['W', 'Z'],
    ['z', 'w'],
    ['w', 'z'],
    ['?', 'M'],
    [',', 'm'],
    ['$', ']'],
    ...[...'&é"\'(-è_çà'].map((received, i): [string, string] => [received, String((i + 1) % 10)]),
  ]),
};

const MEANT_TO_RECEIVED: Readonly<Record<HostLayout, ReadonlyMap<string, string>>> = {
  us: invert(RECEIVED_TO_MEANT.us),
  de: invert(RECEIVED_TO_MEANT.de),
  fr: invert(RECEIVED_TO_MEANT.fr),
};

function invert(map: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  return new Map([...map].map(([received, meant]) => [meant, received]));
}

function mapChars(text: string, map: ReadonlyMap<string, string>): string {
  let out = '';
  for (const char of text) out += map.get(char) ?? char;
  return out;
}

/** What the scanner meant, given what a host with `layout` typed. */
export function fromHostLayout(received: string, layout: HostLayout): string {
  return mapChars(received, RECEIVED_TO_MEANT[layout]);
}

/** What a host with `layout` types when a US-scancode scanner sends `meant` (mocks, tests). */
export function toHostLayout(meant: string, layout: HostLayout): string {
  return mapChars(meant, MEANT_TO_RECEIVED[layout]);
}

/** The technician's layout test code: `TG1` and all 32 base32 symbols (PROTOCOL.md §3). */
export const LAYOUT_TEST_CODE = 'TG1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface LayoutDiagnosis {
  layout: HostLayout | 'unknown';
  explanation: string;
}

const LAYOUT_NAMES: Readonly<Record<HostLayout, string>> = {
  us: 'US (QWERTY)',
  de: 'German (QWERTZ)',
  fr: 'French (AZERTY)',
};

/**
 * Which host layout explains what arrived when a wedge scanner read LAYOUT_TEST_CODE. Leading
 * and trailing whitespace, an AIM identifier, a prefix or suffix and Caps Lock are tolerated
 * (and reported).
 */
export function diagnoseLayout(received: string): LayoutDiagnosis {
  const text = received.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (text === '') {
    return {
      layout: 'unknown',
      explanation:
        'Nothing arrived. Click into the test field, check that the scanner is in keyboard (USB HID) ' +
        'mode, and scan the test code again.',
    };
  }
  for (const capsLock of [false, true]) {
    for (const layout of LAYOUTS) {
      const meant = fromHostLayout(capsLock ? swapAsciiCase(text) : text, layout);
      const at = meant.indexOf(LAYOUT_TEST_CODE);
      if (at < 0) continue;
      const notes = [explainLayout(layout, text)];
      if (capsLock) {
        notes.push('Caps Lock is on at the register (letters arrived in the wrong case): switch it off.');
      }
      const before = meant.slice(0, at);
      const after = meant.slice(at + LAYOUT_TEST_CODE.length);
      if (!/^(\][A-Za-z][0-9])?$/.test(before) || after !== '') {
        notes.push(
          `The scanner also adds characters around each code (before: "${before}", after: "${after}"): ` +
            'set them as its prefix and suffix, or turn them off.',
        );
      }
      return { layout, explanation: notes.join(' ') };
    }
  }
  return { layout: 'unknown', explanation: explainMismatch(text) };
}

const LAYOUTS: readonly HostLayout[] = ['us', 'de', 'fr'];

function explainLayout(layout: HostLayout, received: string): string {
  if (layout === 'us') {
    return (
      "The test code arrived exactly as printed: the register's keyboard layout matches the scanner. " +
      `Keep keyboard layout ${LAYOUT_NAMES.us} for it.`
    );
  }
  const symptom =
    layout === 'de'
      ? 'Y and Z arrived swapped'
      : `A/Q and Z/W arrived swapped, M as "?"${/[&é"'(è]/.test(received) ? ` and the digits as &é"'(-è` : ''}`;
  return (
    `${symptom}: the register's keyboard is set to ${LAYOUT_NAMES[layout]} while the scanner types like a ` +
    `US keyboard. Choose keyboard layout ${LAYOUT_NAMES[layout]} for this scanner.`
  );
}

function explainMismatch(text: string): string {
  const chars = [...text];
  const expected = LAYOUT_TEST_CODE.length;
  if (chars.length !== expected) {
    const cause =
      chars.length < expected
        ? 'Characters were lost: the scanner may type faster than the register accepts (raise its ' +
          'inter-character delay), or only part of the code was read.'
        : 'Extra characters arrived: the scanner may add a prefix or suffix, or two reads ran together.';
    return `No keyboard layout explains what arrived: ${chars.length} characters instead of ${expected}. ${cause}`;
  }
  let closest: { layout: HostLayout; differences: string[] } = { layout: 'us', differences: [] };
  LAYOUTS.forEach((layout, n) => {
    const differences: string[] = [];
    [...LAYOUT_TEST_CODE].forEach((meant, i) => {
      const arrived = chars[i] ?? '';
      const wanted = toHostLayout(meant, layout);
      if (arrived !== wanted) differences.push(`position ${i + 1}: "${wanted}" expected, "${arrived}" arrived`);
    });
    if (n === 0 || differences.length < closest.differences.length) closest = { layout, differences };
  });
  return (
    `No keyboard layout we know explains what arrived. Closest is ${LAYOUT_NAMES[closest.layout]}, with ` +
    `${closest.differences.length} characters differing (${closest.differences.slice(0, 5).join('; ')}). ` +
    'The register may use another layout (Swiss, Belgian, UK…): set the scanner to the keyboard country ' +
    'of the register, or the register to US.'
  );
}

function swapAsciiCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
}
