/**
 * Byte helpers: big-endian u16/u32 (PROTOCOL.md conventions) and strict UTF-8, checked
 * against Node's Buffer and a fatal TextDecoder.
 */
import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import {
  asciiBytes,
  concatBytes,
  equalBytes,
  readU16,
  readU32,
  utf8Decode,
  utf8Encode,
  writeU16,
  writeU32,
} from './bytes.js';

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A fatal decoder that keeps a leading BOM: the strict reference for utf8Decode. */
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function referenceDecode(input: Uint8Array): string | null {
  try {
    return fatalDecoder.decode(input);
  } catch {
    return null;
  }
}

describe('u16 / u32, big-endian', () => {
  it.each([0, 1, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff])('u16 %i', (value) => {
    const out = new Uint8Array(4).fill(0xaa);
    writeU16(out, 1, value);
    expect(out[0]).toBe(0xaa);
    expect(out[3]).toBe(0xaa);
    const reference = Buffer.alloc(2);
    reference.writeUInt16BE(value);
    expect(out.subarray(1, 3)).toEqual(new Uint8Array(reference));
    expect(readU16(out, 1)).toBe(value);
  });

  it.each([0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x00ffffff, 0x01000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff])(
    'u32 %i',
    (value) => {
      const out = new Uint8Array(6).fill(0xaa);
      writeU32(out, 1, value);
      expect(out[0]).toBe(0xaa);
      expect(out[5]).toBe(0xaa);
      const reference = Buffer.alloc(4);
      reference.writeUInt32BE(value);
      expect(out.subarray(1, 5)).toEqual(new Uint8Array(reference));
      // Never negative, even with the top bit set.
      expect(readU32(out, 1)).toBe(value);
    },
  );

  it('writes the most significant byte first', () => {
    const out = new Uint8Array(6);
    writeU16(out, 0, 0x0102);
    writeU32(out, 2, 0x03040506);
    expect(out).toEqual(bytes(1, 2, 3, 4, 5, 6));
    expect(readU16(bytes(0xfe, 0xdc), 0)).toBe(0xfedc);
    expect(readU32(bytes(0xfe, 0xdc, 0xba, 0x98), 0)).toBe(0xfedcba98);
  });

  it('reads what Buffer reads on random bytes', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 500; i++) {
      const raw = random.bytes(8);
      const buf = Buffer.from(raw);
      for (let offset = 0; offset <= 4; offset++) {
        expect(readU32(raw, offset)).toBe(buf.readUInt32BE(offset));
        expect(readU16(raw, offset)).toBe(buf.readUInt16BE(offset));
      }
    }
  });

  it.each([-1, 0x10000, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32])('writeU16 refuses %d with a RangeError', (value) => {
    const out = new Uint8Array(2);
    expect(() => writeU16(out, 0, value)).toThrow(RangeError);
    expect(out).toEqual(new Uint8Array(2));
  });

  it.each([-1, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 0.5, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY])(
    'writeU32 refuses %d with a RangeError',
    (value) => {
      const out = new Uint8Array(4);
      expect(() => writeU32(out, 0, value)).toThrow(RangeError);
      expect(out).toEqual(new Uint8Array(4));
    },
  );
});

describe('concatBytes / equalBytes / asciiBytes', () => {
  it('concatenates in order', () => {
    expect(concatBytes()).toEqual(new Uint8Array(0));
    expect(concatBytes(bytes(1), bytes(), bytes(2, 3), bytes(4).subarray(0, 1))).toEqual(bytes(1, 2, 3, 4));
    const base = bytes(9, 8, 7, 6);
    expect(concatBytes(base.subarray(1, 3), base.subarray(0, 1))).toEqual(bytes(8, 7, 9));
  });

  it('compares lengths and every byte', () => {
    expect(equalBytes(bytes(), bytes())).toBe(true);
    expect(equalBytes(bytes(1, 2), bytes(1, 2))).toBe(true);
    expect(equalBytes(bytes(1, 2), bytes(1, 2, 0))).toBe(false);
    expect(equalBytes(bytes(1, 2), bytes(1, 3))).toBe(false);
    expect(equalBytes(bytes(0x80), bytes(0x00))).toBe(false);
  });

  it('encodes ASCII and refuses anything above 0x7f', () => {
    expect(asciiBytes('tegata/pay/v1')).toEqual(new Uint8Array(Buffer.from('tegata/pay/v1', 'ascii')));
    expect(asciiBytes('\u007f')).toEqual(bytes(0x7f));
    expect(() => asciiBytes('\u0080')).toThrow(RangeError);
    expect(() => asciiBytes('é')).toThrow(RangeError);
    expect(() => asciiBytes('😀')).toThrow(RangeError);
  });
});

describe('utf8Encode', () => {
  it("matches Buffer.from(text, 'utf8') on random strings with astral characters and lone surrogates", () => {
    const random = seededRandom(2);
    const pools: readonly (readonly [number, number])[] = [
      [0x00, 0x7f],
      [0x80, 0x7ff],
      [0x800, 0xffff], // includes lone surrogates
      [0x10000, 0x10ffff],
      [0xd800, 0xdfff],
    ];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = random.int(24);
      for (let k = 0; k < length; k++) {
        const [lo, hi] = random.pick(pools);
        const code = lo + random.int(hi - lo + 1);
        // fromCharCode for the BMP keeps lone surrogates; fromCodePoint gives astral pairs.
        text += code > 0xffff ? String.fromCodePoint(code) : String.fromCharCode(code);
      }
      expect(utf8Encode(text)).toEqual(new Uint8Array(Buffer.from(text, 'utf8')));
    }
  });

  it('encodes the boundary code points with the shortest form', () => {
    expect(utf8Encode('\u007f')).toEqual(bytes(0x7f));
    expect(utf8Encode('\u0080')).toEqual(bytes(0xc2, 0x80));
    expect(utf8Encode('\u07ff')).toEqual(bytes(0xdf, 0xbf));
    expect(utf8Encode('\u0800')).toEqual(bytes(0xe0, 0xa0, 0x80));
    expect(utf8Encode('\uffff')).toEqual(bytes(0xef, 0xbf, 0xbf));
    expect(utf8Encode('\u{10000}')).toEqual(bytes(0xf0, 0x90, 0x80, 0x80));
    expect(utf8Encode('\u{10ffff}')).toEqual(bytes(0xf4, 0x8f, 0xbf, 0xbf));
    expect(utf8Encode('\ud800')).toEqual(bytes(0xef, 0xbf, 0xbd));
    expect(utf8Encode('\udc00x')).toEqual(bytes(0xef, 0xbf, 0xbd, 0x78));
    expect(utf8Encode('\ud800\ud800\udc00')).toEqual(bytes(0xef, 0xbf, 0xbd, 0xf0, 0x90, 0x80, 0x80));
  });
});

describe('utf8Decode (strict)', () => {
  it.each([
    ['overlong NUL, 2 bytes (C0 80)', [0xc0, 0x80]],
    ['overlong "/", 2 bytes (C1 AF)', [0xc1, 0xaf]],
    ['overlong NUL, 3 bytes (E0 80 80)', [0xe0, 0x80, 0x80]],
    ['overlong U+07FF, 3 bytes (E0 9F BF)', [0xe0, 0x9f, 0xbf]],
    ['overlong NUL, 4 bytes (F0 80 80 80)', [0xf0, 0x80, 0x80, 0x80]],
    ['overlong U+FFFF, 4 bytes (F0 8F BF BF)', [0xf0, 0x8f, 0xbf, 0xbf]],
    ['high surrogate U+D800 (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['low surrogate U+DFFF (ED BF BF)', [0xed, 0xbf, 0xbf]],
    ['CESU-8 surrogate pair', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ['U+110000 (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['F5 lead byte', [0xf5, 0x80, 0x80, 0x80]],
    ['FF byte', [0xff]],
    ['FE byte', [0xfe]],
    ['truncated 2-byte sequence', [0xc3]],
    ['truncated 3-byte sequence', [0xe2, 0x82]],
    ['truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ['truncated sequence followed by ASCII', [0xe2, 0x82, 0x41]],
    ['stray continuation byte', [0x80]],
    ['stray continuation byte after ASCII', [0x41, 0xbf]],
    ['two continuation bytes after a 2-byte sequence', [0xc3, 0xa9, 0xa9]],
  ])('refuses %s', (_name, input) => {
    expect(utf8Decode(Uint8Array.from(input))).toBeNull();
    expect(referenceDecode(Uint8Array.from(input))).toBeNull();
  });

  it.each([
    ['empty', [], ''],
    ['ASCII with NUL', [0x00, 0x41], '\u0000A'],
    ['U+0080', [0xc2, 0x80], '\u0080'],
    ['U+07FF', [0xdf, 0xbf], '\u07ff'],
    ['U+0800', [0xe0, 0xa0, 0x80], '\u0800'],
    ['U+D7FF', [0xed, 0x9f, 0xbf], '\ud7ff'],
    ['U+E000', [0xee, 0x80, 0x80], '\ue000'],
    ['U+FEFF (a leading BOM is kept)', [0xef, 0xbb, 0xbf], '\ufeff'],
    ['U+FFFF', [0xef, 0xbf, 0xbf], '\uffff'],
    ['U+10000', [0xf0, 0x90, 0x80, 0x80], '\u{10000}'],
    ['U+1F600', [0xf0, 0x9f, 0x98, 0x80], '😀'],
    ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf], '\u{10ffff}'],
  ])('decodes %s', (_name, input, text) => {
    expect(utf8Decode(Uint8Array.from(input))).toBe(text);
  });

  it('round-trips random valid text, astral characters included', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = random.int(24);
      for (let k = 0; k < length; k++) {
        let code = random.int(0x110000);
        if (code >= 0xd800 && code <= 0xdfff) code = 0x41;
        if (random.float() < 0.3) code = random.int(0x80);
        text += String.fromCodePoint(code);
      }
      const encoded = utf8Encode(text);
      expect(utf8Decode(encoded)).toBe(text);
    }
  });

  it('agrees with a fatal TextDecoder on random and mutated byte strings', () => {
    const random = seededRandom(4);
    for (let i = 0; i < 5000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = random.bytes(random.int(12));
      } else {
        let text = '';
        for (let k = 0; k < 6; k++) text += String.fromCodePoint(random.int(0xd800));
        input = utf8Encode(text);
        if (input.length > 0) input[random.int(input.length)] = random.int(256);
      }
      expect(utf8Decode(input), Buffer.from(input).toString('hex')).toBe(referenceDecode(input));
    }
  });
});
