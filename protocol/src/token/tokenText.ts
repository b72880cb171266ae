import { fromBase32, toBase32 } from '../encoding.js';
import { TOKEN_LENGTH } from './paymentToken.js';

/** The longest scan a decoder looks at, in UTF-8 bytes (PROTOCOL.md §3 step 1). */
export const MAX_SCAN_BYTES = 4096;
export const TOKEN_TEXT_PREFIX = 'TG1';
/** 204 bytes in unpadded base32. */
export const TOKEN_BASE32_LENGTH = 327;
export const TOKEN_TEXT_LENGTH = TOKEN_TEXT_PREFIX.length + TOKEN_BASE32_LENGTH;

export type TokenTextResult =
  | { ok: true; bytes: Uint8Array; canonical: string }
  | { ok: false; reason: 'malformed' | 'unsupported_version' };

const MALFORMED: TokenTextResult = Object.freeze({ ok: false, reason: 'malformed' });
const UNSUPPORTED: TokenTextResult = Object.freeze({ ok: false, reason: 'unsupported_version' });

/** The canonical text of 204 token bytes: `TG1` + uppercase base32, zero trailing bits. */
export function encodeTokenText(bytes: Uint8Array): string {
  if (bytes.length !== TOKEN_LENGTH) throw new RangeError(`a token is ${TOKEN_LENGTH} bytes`);
  return TOKEN_TEXT_PREFIX + toBase32(bytes);
}

/** The decoder of PROTOCOL.md §3, its six steps in order. Never throws. */
export function decodeTokenText(input: string): TokenTextResult {
  // 1. Cap the input before any work, measured in UTF-8 bytes.
  if (input.length > MAX_SCAN_BYTES || utf8Length(input) > MAX_SCAN_BYTES) return MALFORMED;
  // 2. Strip ASCII space, tab, CR and LF at both ends, nothing else.
  let start = 0;
  let end = input.length;
  while (start < end && isStrippable(input.charCodeAt(start))) start++;
  while (end > start && isStrippable(input.charCodeAt(end - 1))) end--;
  // 3. One AIM symbology identifier: `]`, an ASCII letter, an ASCII digit.
  if (
    end - start >= 3 &&
    input.charCodeAt(start) === 0x5d &&
    isAsciiLetter(input.charCodeAt(start + 1)) &&
    isAsciiDigit(input.charCodeAt(start + 2))
  ) {
    start += 3;
  }
  // 4. Uppercase ASCII a–z only (Caps Lock on a wedge scanner).
  const text = asciiUppercase(input.slice(start, end));
  // 5. `TG` + one digit; a digit other than 1 is a newer format.
  if (text.length < 3 || text.charCodeAt(0) !== 0x54 || text.charCodeAt(1) !== 0x47) return MALFORMED;
  const digit = text.charCodeAt(2);
  if (!isAsciiDigit(digit)) return MALFORMED;
  if (digit !== 0x31) return UNSUPPORTED;
  // 6. Exactly 327 base32 characters with zero trailing bits, nothing else.
  if (text.length !== TOKEN_TEXT_LENGTH) return MALFORMED;
  const bytes = fromBase32(text.slice(TOKEN_TEXT_PREFIX.length));
  if (bytes?.length !== TOKEN_LENGTH) return MALFORMED;
  return { ok: true, bytes, canonical: text };
}

function isStrippable(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isAsciiDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function asciiUppercase(text: string): string {
  // Only ASCII a–z: String#toUpperCase on other letters (ß, ı…) would change the text's meaning.
  return /[a-z]/.test(text) ? text.replace(/[a-z]+/g, (run) => run.toUpperCase()) : text;
}

/** UTF-8 length of a JavaScript string, lone surrogates counting as U+FFFD (3 bytes). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}
