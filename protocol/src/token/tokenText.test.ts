/**
 * The token text decoder of PROTOCOL.md §3, step by step and in order. Decoding checks no
 * signature, so any 204 bytes make a valid text. Where two steps would both answer
 * `malformed`, the order is shown through `unsupported_version` (step 5), which a later step
 * can only produce if every earlier one let the input through.
 */
import { seededRandom, type SeededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import { BASE32_ALPHABET } from '../encoding.js';
import { decodeTokenText, encodeTokenText, MAX_SCAN_BYTES, type TokenTextResult } from './tokenText.js';

function randomToken(random: SeededRandom): Uint8Array {
  return random.bytes(204);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const MALFORMED: TokenTextResult = { ok: false, reason: 'malformed' };
const UNSUPPORTED: TokenTextResult = { ok: false, reason: 'unsupported_version' };

const tokenBytes = randomToken(seededRandom(0x7e6a7a));
const text = encodeTokenText(tokenBytes);
const body = text.slice(3);

function expectAccepted(input: string): void {
  const result = decodeTokenText(input);
  expect(result, JSON.stringify(input.slice(0, 12))).toEqual({ ok: true, bytes: tokenBytes, canonical: text });
}

describe('the valid text the tests start from', () => {
  it('is TG1 + 327 uppercase base32 characters', () => {
    expect(text).toMatch(/^TG1[A-Z2-7]{327}$/);
    expect(text.length).toBe(330);
    expectAccepted(text);
  });

  it('encodeTokenText refuses anything but 204 bytes', () => {
    for (const length of [0, 203, 205]) expect(() => encodeTokenText(new Uint8Array(length))).toThrow(RangeError);
  });
});

describe('step 1: at most 4096 UTF-8 bytes, counted before stripping', () => {
  it('accepts exactly 4096 bytes of token and stripped whitespace, refuses 4097', () => {
    expect(MAX_SCAN_BYTES).toBe(4096);
    const pad = 4096 - text.length;
    const lead = ' \t'.repeat(Math.floor(pad / 4));
    const atCap = lead + text + '\r\n'.repeat((pad - lead.length) / 2);
    expect(atCap.length).toBe(4096);
    expectAccepted(atCap);
    expectAccepted(' '.repeat(pad) + text);
    expectAccepted(text + '\n'.repeat(pad));
    expect(decodeTokenText(atCap + ' ')).toEqual(MALFORMED);
    expect(decodeTokenText(' ' + atCap)).toEqual(MALFORMED);
    expect(decodeTokenText(' '.repeat(pad + 1) + text)).toEqual(MALFORMED);
  });

  it('runs before step 5: TG3 under the cap is unsupported_version, over it malformed', () => {
    const under = 'TG3' + ' '.repeat(4093);
    expect(utf8Length(under)).toBe(4096);
    expect(decodeTokenText(under)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(under + ' ')).toEqual(MALFORMED);
  });

  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    // é is 2 bytes, one code unit.
    const twoByte = 'TG3' + 'é'.repeat(2046) + 'x';
    expect(twoByte.length).toBe(2050);
    expect(utf8Length(twoByte)).toBe(4096);
    expect(decodeTokenText(twoByte)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(twoByte + 'x')).toEqual(MALFORMED);
    expect(decodeTokenText('TG3' + 'é'.repeat(2047))).toEqual(MALFORMED);
    // あ is 3 bytes, one code unit.
    const threeByte = 'TG3' + 'あ'.repeat(1364) + 'x';
    expect(utf8Length(threeByte)).toBe(4096);
    expect(decodeTokenText(threeByte)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(threeByte + 'x')).toEqual(MALFORMED);
    // 😀 is 4 bytes, two code units.
    const astral = 'TG3' + '😀'.repeat(1023) + 'x';
    expect(astral.length).toBe(2050);
    expect(utf8Length(astral)).toBe(4096);
    expect(decodeTokenText(astral)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(astral + 'x')).toEqual(MALFORMED);
    // A multi-byte space is not stripped, so it never helps a valid token past the cap either.
    expect(decodeTokenText(text + '\u3000')).toEqual(MALFORMED);
  });

  it('counts a lone surrogate as the 3 bytes of U+FFFD', () => {
    const lone = 'TG3' + '\ud800'.repeat(1364) + 'x';
    expect(utf8Length(lone)).toBe(4096);
    expect(decodeTokenText(lone)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(lone + 'x')).toEqual(MALFORMED);
  });

  it('refuses huge inputs without trouble', () => {
    expect(decodeTokenText(text + ' '.repeat(1_000_000))).toEqual(MALFORMED);
    expect(decodeTokenText('TG3' + 'x'.repeat(1_000_000))).toEqual(MALFORMED);
  });
});

describe('step 2: strips ASCII space, tab, CR and LF at both ends, nothing else', () => {
  it.each([' ', '\t', '\r', '\n', '\r\n', ' \t\r\n \n'])('strips %j', (ws) => {
    expectAccepted(ws + text);
    expectAccepted(text + ws);
    expectAccepted(ws + text + ws);
  });

  it.each([
    ['VT', '\u000b'],
    ['FF', '\u000c'],
    ['NUL', '\u0000'],
    ['NEL', '\u0085'],
    ['NBSP', '\u00a0'],
    ['ideographic space U+3000', '\u3000'],
    ['line separator U+2028', '\u2028'],
    ['BOM U+FEFF', '\ufeff'],
    ['en space U+2002', '\u2002'],
  ])('does not strip %s', (_name, ch) => {
    expect(decodeTokenText(ch + text)).toEqual(MALFORMED);
    expect(decodeTokenText(text + ch)).toEqual(MALFORMED);
    expect(decodeTokenText(' ' + ch + ' ' + text)).toEqual(MALFORMED);
    // Step 5 shows it survived step 2: the start is no longer TG.
    expect(decodeTokenText(ch + 'TG3')).toEqual(MALFORMED);
    expect(decodeTokenText('TG3' + ch)).toEqual(UNSUPPORTED);
  });

  it('does not strip whitespace inside the text', () => {
    expect(decodeTokenText(text.slice(0, 100) + ' ' + text.slice(100))).toEqual(MALFORMED);
    expect(decodeTokenText('TG1 ' + body)).toEqual(MALFORMED);
    expect(decodeTokenText('TG1\n' + body)).toEqual(MALFORMED);
  });
});

describe('step 3: one leading AIM symbology identifier', () => {
  it.each([']Q1', ']Q0', ']A9', ']d1', ']q1', ']z5', ']Z2'])('strips %s', (aim) => {
    expectAccepted(aim + text);
    expectAccepted(' \r' + aim + text + '\r\n');
  });

  it('runs after step 2 and before step 5', () => {
    expect(decodeTokenText(' ]Q1TG3')).toEqual(UNSUPPORTED);
    expect(decodeTokenText(']Q1tg7 garbage')).toEqual(UNSUPPORTED);
  });

  it.each([
    [']1Q (digit then letter)', ']1Q'],
    [']Q (no digit)', ']Q'],
    [']QQ', ']QQ'],
    [']11', ']11'],
    ['] followed by a space', '] Q1'],
    ['a non-ASCII letter', ']é1'],
    ['a non-ASCII digit', ']Q\u0661'],
    ['a fullwidth digit', ']Q\uff11'],
    ['[Q1', '[Q1'],
    ['two identifiers', ']Q1]Q1'],
  ])('does not strip %s', (_name, prefix) => {
    expect(decodeTokenText(prefix + text)).toEqual(MALFORMED);
  });

  it('strips nothing after the identifier', () => {
    expect(decodeTokenText(']Q1 ' + text)).toEqual(MALFORMED);
    expect(decodeTokenText(']Q1\t' + text)).toEqual(MALFORMED);
    expect(decodeTokenText(']Q1\r\n' + text)).toEqual(MALFORMED);
  });

  it('an identifier at the end is not stripped', () => {
    expect(decodeTokenText(text + ']Q1')).toEqual(MALFORMED);
  });
});

describe('step 4: uppercases ASCII a–z', () => {
  it('accepts the whole text in lowercase and answers the uppercase canonical form', () => {
    const lower = text.toLowerCase();
    expect(lower).not.toBe(text);
    expectAccepted(lower);
    expectAccepted('tg1' + body);
    expectAccepted('Tg1' + body);
    expectAccepted('tG1' + body.toLowerCase());
  });

  it('accepts mixed case', () => {
    let mixed = '';
    for (let i = 0; i < text.length; i++) mixed += i % 3 === 0 ? text[i]!.toLowerCase() : text[i]!;
    expectAccepted(mixed);
  });

  it('uppercases nothing outside ASCII: ı, ſ and the Kelvin sign stay foreign', () => {
    // String#toUpperCase would turn ı into I and ſ into S; the Kelvin sign K lowercases to k.
    for (const [foreign, ascii] of [
      ['ı', 'I'],
      ['ſ', 'S'],
      ['\u212a', 'K'],
    ] as const) {
      const at = body.indexOf(ascii);
      const variant = at >= 0 ? 'TG1' + body.slice(0, at) + foreign + body.slice(at + 1) : 'TG1' + foreign + body.slice(1);
      expect(decodeTokenText(variant), foreign).toEqual(MALFORMED);
    }
    expect(decodeTokenText('TĞ3')).toEqual(MALFORMED);
  });
});

describe('step 5: TG + one digit', () => {
  it.each(['TGX', 'TG ', 'TG-', 'TG\u0661', 'TG\uff11', 'TGI', 'TGL', 'TX1', 'GT1', 'T1', 'TG', 'T', '', 'XTG1'])(
    '%j + a valid body is malformed',
    (start) => {
      expect(decodeTokenText(start + body)).toEqual(MALFORMED);
      expect(decodeTokenText(start)).toEqual(MALFORMED);
    },
  );

  it.each(['0', '2', '3', '4', '5', '6', '7', '8', '9'])('TG%s is unsupported_version whatever follows', (digit) => {
    expect(decodeTokenText(`TG${digit}`)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(`TG${digit}${body}`)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(`TG${digit}!!garbage ☃ \u0000`)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(`tg${digit}${'z'.repeat(4000)}`)).toEqual(UNSUPPORTED);
    expect(decodeTokenText(`\r\n]Q1tg${digit}x \n`)).toEqual(UNSUPPORTED);
  });

  it('TG1 alone or with garbage is malformed', () => {
    expect(decodeTokenText('TG1')).toEqual(MALFORMED);
    expect(decodeTokenText('TG1!!garbage')).toEqual(MALFORMED);
    expect(decodeTokenText('TG10' + body.slice(1))).toEqual(MALFORMED);
  });
});

describe('step 6: exactly 327 base32 characters, zero trailing bits, nothing else', () => {
  it.each([0, 1, 325, 326, 328, 329, 335])('a body of %i characters is malformed', (length) => {
    const variant = 'TG1' + (body + 'AAAAAAAAAA').slice(0, length);
    expect(decodeTokenText(variant)).toEqual(MALFORMED);
  });

  it('padding is malformed', () => {
    expect(decodeTokenText(text + '=')).toEqual(MALFORMED);
    expect(decodeTokenText(text + '=====')).toEqual(MALFORMED);
    expect(decodeTokenText(text.slice(0, -1) + '=')).toEqual(MALFORMED);
  });

  // Every ASCII character that is neither in the alphabet nor a–z (which step 4 maps into
  // it), and some non-ASCII look-alikes.
  const foreign: string[] = [];
  for (let code = 0; code < 0x80; code++) {
    const ch = String.fromCharCode(code);
    if (!BASE32_ALPHABET.includes(ch) && !(code >= 0x61 && code <= 0x7a)) foreign.push(ch);
  }
  foreign.push('ı', 'ſ', '\u212a', 'Ａ', 'é', '\u00a0', '\u0660', '\ud800', '\udc00');
  // Positions in the body: each of the 8 classes mod 8 at the start, middle and end.
  const positions = [0, 1, 2, 3, 4, 5, 6, 7, 160, 161, 162, 163, 164, 165, 166, 167, 319, 320, 321, 322, 323, 324, 325, 326];

  it('a character outside the alphabet in any position class is malformed', () => {
    expect(foreign).toContain('0');
    expect(foreign).toContain('1');
    expect(foreign).toContain('8');
    expect(foreign).toContain('9');
    for (const position of positions) {
      for (const ch of foreign) {
        const variant = 'TG1' + body.slice(0, position) + ch + body.slice(position + 1);
        expect(decodeTokenText(variant), `${JSON.stringify(ch)} at ${position}`).toEqual(MALFORMED);
      }
    }
  });

  it('every alphabet character is accepted in every position but the last', () => {
    for (const position of positions.filter((p) => p < 326)) {
      for (const ch of BASE32_ALPHABET) {
        const variant = 'TG1' + body.slice(0, position) + ch + body.slice(position + 1);
        const result = decodeTokenText(variant);
        expect(result.ok, `${ch} at ${position}`).toBe(true);
        if (result.ok) expect(result.canonical).toBe(variant);
      }
    }
  });

  it.each([0, 1, 2, 3])('last byte ≡ %i (mod 4): only its one last character is accepted, the 7 others are malformed', (low) => {
    const bytes = Uint8Array.from(tokenBytes);
    bytes[203] = ((bytes[203] ?? 0) & 0xfc) | low;
    const valid = encodeTokenText(bytes);
    const last = 'AIQY'[low]!;
    expect(valid.endsWith(last)).toBe(true);
    expect(decodeTokenText(valid)).toEqual({ ok: true, bytes, canonical: valid });
    const base = BASE32_ALPHABET.indexOf(last);
    const others = [1, 2, 3, 4, 5, 6, 7].map((k) => BASE32_ALPHABET[base + k]!);
    expect(others).toHaveLength(7);
    for (const ch of others) {
      expect(decodeTokenText(valid.slice(0, -1) + ch), ch).toEqual(MALFORMED);
      expect(decodeTokenText(valid.slice(0, -1) + ch.toLowerCase()), ch).toEqual(MALFORMED);
    }
  });

  it('the last character is one of A, I, Q, Y in every accepted text', () => {
    for (const ch of BASE32_ALPHABET) {
      const result = decodeTokenText(text.slice(0, -1) + ch);
      expect(result.ok, ch).toBe('AIQY'.includes(ch));
    }
  });
});

describe('canonical text', () => {
  it('is unique: decode(encode(b)) gives b back with canonical === encode(b)', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 300; i++) {
      const bytes = randomToken(random);
      const encoded = encodeTokenText(bytes);
      expect(encoded).toMatch(/^TG1[A-Z2-7]{326}[AIQY]$/);
      expect(decodeTokenText(encoded)).toEqual({ ok: true, bytes, canonical: encoded });
    }
  });

  it('every accepted spelling of a token has the same canonical text', () => {
    for (const variant of [text, text.toLowerCase(), ']Q1' + text, ` \t]e0${text.toLowerCase()}\r\n`, '\n' + text]) {
      const result = decodeTokenText(variant);
      expect(result.ok && result.canonical).toBe(text);
    }
  });

  it('never throws, whatever the input', () => {
    const random = seededRandom(5);
    const pieces = ['TG1', 'tg1', ']Q1', ' ', '\n', 'A', 'Z', '7', '=', 'é', '😀', '\ud800', '\u0000', body.slice(0, 100)];
    for (let i = 0; i < 3000; i++) {
      let input = '';
      const count = random.int(12);
      for (let k = 0; k < count; k++) input += random.pick(pieces);
      const result = decodeTokenText(input);
      expect(result.ok ? 'ok' : result.reason).toMatch(/^(ok|malformed|unsupported_version)$/);
    }
  });
});
