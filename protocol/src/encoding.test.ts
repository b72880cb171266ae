/**
 * The strict text encodings of PROTOCOL.md (intro, §3): lowercase hex, unpadded base64url
 * with zero trailing bits, and uppercase unpadded base32 with zero trailing bits. Checked
 * against RFC 4648 §10, against Node's Buffer (base64url, hex) and against a bit-by-bit
 * base32 reference written here.
 */
import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import {
  BASE32_ALPHABET,
  fromBase32,
  fromBase64url,
  fromHex,
  isLowerHex,
  toBase32,
  toBase64url,
  toHex,
} from './encoding.js';

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function ascii(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** RFC 4648 §6 base32, one bit at a time, padding stripped. Independent of the product code. */
function referenceBase32(bytes: Uint8Array): string {
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  while (bits.length % 5 !== 0) bits += '0';
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += BASE32_ALPHABET[parseInt(bits.slice(i, i + 5), 2)]!;
  return out;
}

/** Every base32 length mod 8 that some byte string encodes to, with its count of trailing bits. */
const BASE32_TRAILING_BITS: readonly (readonly [number, number])[] = [
  [2, 2],
  [4, 4],
  [5, 1],
  [7, 3],
];
/** The same for base64url (length mod 4). */
const BASE64_TRAILING_BITS: readonly (readonly [number, number])[] = [
  [2, 4],
  [3, 2],
];

describe('base32 (RFC 4648 §6, uppercase, unpadded)', () => {
  // RFC 4648 §10, padding removed.
  const vectors: readonly (readonly [string, string])[] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];

  it.each(vectors)('RFC 4648 §10: BASE32("%s") = "%s"', (plain, encoded) => {
    expect(toBase32(ascii(plain))).toBe(encoded);
    expect(fromBase32(encoded)).toEqual(ascii(plain));
  });

  it('matches the reference and round-trips for every length 0..300', () => {
    const random = seededRandom(32);
    for (let length = 0; length <= 300; length++) {
      const bytes = random.bytes(length);
      const text = toBase32(bytes);
      expect(text).toBe(referenceBase32(bytes));
      expect(text.length).toBe(Math.ceil((length * 8) / 5));
      expect(fromBase32(text)).toEqual(bytes);
    }
  });

  it('round-trips all-zero and all-one bytes', () => {
    for (const fill of [0x00, 0xff]) {
      for (let length = 0; length <= 16; length++) {
        const bytes = new Uint8Array(length).fill(fill);
        expect(fromBase32(toBase32(bytes))).toEqual(bytes);
        expect(toBase32(bytes)).toBe(referenceBase32(bytes));
      }
    }
  });

  it('rejects padding', () => {
    for (const padded of ['MY======', 'MZXQ====', 'MZXW6===', 'MZXW6YQ=', 'MZXW6YTBOI======', 'MY=', '=']) {
      expect(fromBase32(padded), padded).toBeNull();
    }
  });

  it('rejects lowercase letters and every character outside the alphabet', () => {
    expect(fromBase32('mzxw6ytb')).toBeNull();
    expect(fromBase32('MZXW6YTb')).toBeNull();
    for (let code = 0; code < 0x180; code++) {
      const ch = String.fromCharCode(code);
      if (BASE32_ALPHABET.includes(ch)) continue;
      // 'A' carries zero bits, so only the foreign character can make these fail.
      expect(fromBase32(`${ch}AAAAAAA`), `U+${code.toString(16)}`).toBeNull();
      expect(fromBase32(`AAAA${ch}AAA`), `U+${code.toString(16)}`).toBeNull();
      expect(fromBase32(`AAAAAAA${ch}`), `U+${code.toString(16)}`).toBeNull();
    }
    for (const odd of ['0', '1', '8', '9', 'Ａ', 'ı', 'ſ', '\u212a', '\u{1d400}']) {
      expect(fromBase32(`${odd}AAAAAAA`.slice(0, 8)), odd).toBeNull();
    }
  });

  it('rejects lengths no byte string encodes to (1, 3, 6 mod 8)', () => {
    for (let length = 0; length <= 40; length++) {
      const text = 'A'.repeat(length);
      const possible = ![1, 3, 6].includes(length % 8);
      if (possible) expect(fromBase32(text), `length ${length}`).toEqual(new Uint8Array(Math.floor((length * 5) / 8)));
      else expect(fromBase32(text), `length ${length}`).toBeNull();
    }
  });

  it.each(BASE32_TRAILING_BITS)('length ≡ %i (mod 8): a last character with any of its %i trailing bits set is refused', (rest, trailing) => {
    for (const prefix of ['', 'MZXW6YTB']) {
      for (let v = 0; v < 32; v++) {
        const text = prefix + 'M'.repeat(rest - 1) + BASE32_ALPHABET[v]!;
        const decoded = fromBase32(text);
        if ((v & ((1 << trailing) - 1)) === 0) {
          expect(decoded, text).not.toBeNull();
          expect(toBase32(decoded!), text).toBe(text);
        } else {
          expect(decoded, text).toBeNull();
        }
      }
    }
  });
});

describe('base64url (RFC 4648 §5, unpadded)', () => {
  // RFC 4648 §10 base64 vectors, padding removed (no '+' or '/' occurs in them).
  const vectors: readonly (readonly [string, string])[] = [
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ];

  it.each(vectors)('RFC 4648 §10: BASE64("%s") = "%s" without padding', (plain, encoded) => {
    expect(toBase64url(ascii(plain))).toBe(encoded);
    expect(fromBase64url(encoded)).toEqual(ascii(plain));
  });

  it('uses - and _ where base64 uses + and /', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf]);
    expect(Buffer.from(bytes).toString('base64')).toBe('+/+/');
    expect(toBase64url(bytes)).toBe('-_-_');
    expect(fromBase64url('-_-_')).toEqual(bytes);
  });

  it("matches Node's Buffer base64url and round-trips for every length 0..300", () => {
    const random = seededRandom(64);
    for (let length = 0; length <= 300; length++) {
      const bytes = random.bytes(length);
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }
  });

  it('rejects padding', () => {
    for (const padded of ['Zg==', 'Zg=', 'Zm8=', 'Zm9vYg==', 'Zm9vYmE=', '====', '=']) {
      expect(fromBase64url(padded), padded).toBeNull();
    }
  });

  it("rejects the base64 characters '+' and '/' and everything else outside the alphabet", () => {
    expect(fromBase64url('+/+/')).toBeNull();
    expect(fromBase64url('Zm9+')).toBeNull();
    expect(fromBase64url('Zm9/')).toBeNull();
    for (let code = 0; code < 0x180; code++) {
      const ch = String.fromCharCode(code);
      if (B64URL_ALPHABET.includes(ch)) continue;
      expect(fromBase64url(`${ch}AAA`), `U+${code.toString(16)}`).toBeNull();
      expect(fromBase64url(`AAA${ch}`), `U+${code.toString(16)}`).toBeNull();
    }
  });

  it('rejects lengths no byte string encodes to (1 mod 4)', () => {
    for (let length = 0; length <= 21; length++) {
      const text = 'A'.repeat(length);
      if (length % 4 === 1) expect(fromBase64url(text), `length ${length}`).toBeNull();
      else expect(fromBase64url(text), `length ${length}`).toEqual(new Uint8Array(Math.floor((length * 6) / 8)));
    }
  });

  it.each(BASE64_TRAILING_BITS)('length ≡ %i (mod 4): a last character with any of its %i trailing bits set is refused', (rest, trailing) => {
    for (const prefix of ['', 'Zm9v']) {
      for (let v = 0; v < 64; v++) {
        const text = prefix + 'Z'.repeat(rest - 1) + B64URL_ALPHABET[v]!;
        const decoded = fromBase64url(text);
        if ((v & ((1 << trailing) - 1)) === 0) {
          expect(decoded, text).not.toBeNull();
          expect(toBase64url(decoded!), text).toBe(text);
        } else {
          expect(decoded, text).toBeNull();
        }
      }
    }
  });

  it('accepts exactly one text per byte string (decode ∘ encode and encode ∘ decode are identities)', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const length = random.int(12);
      let text = '';
      for (let k = 0; k < length; k++) text += B64URL_ALPHABET[random.int(64)]!;
      const decoded = fromBase64url(text);
      if (decoded !== null) expect(toBase64url(decoded)).toBe(text);
    }
  });
});

describe('hex (lowercase only)', () => {
  it("matches Node's Buffer hex and round-trips", () => {
    const random = seededRandom(16);
    for (let length = 0; length <= 100; length++) {
      const bytes = random.bytes(length);
      const text = toHex(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromHex(text)).toEqual(bytes);
    }
    expect(toHex(Uint8Array.from([0x00, 0x0f, 0xa0, 0xff]))).toBe('000fa0ff');
  });

  it('rejects uppercase, odd lengths and non-hex characters', () => {
    expect(fromHex('ABCDEF')).toBeNull();
    expect(fromHex('abcdeF')).toBeNull();
    expect(fromHex('0A')).toBeNull();
    expect(fromHex('abc')).toBeNull();
    expect(fromHex('a')).toBeNull();
    for (const bad of ['0g', 'g0', ' 0', '0 ', '-1', '0x', '０0', '\u0660\u0660']) {
      expect(fromHex(bad), bad).toBeNull();
    }
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });

  it('isLowerHex checks both the length and the alphabet', () => {
    expect(isLowerHex('0123456789abcdef', 16)).toBe(true);
    expect(isLowerHex('0123456789abcdef', 15)).toBe(false);
    expect(isLowerHex('0123456789ABCDEF', 16)).toBe(false);
    expect(isLowerHex('1a2b3c4d', 8)).toBe(true);
    expect(isLowerHex('1a2b3c4', 7)).toBe(false);
    expect(isLowerHex('1a2b3c4g', 8)).toBe(false);
  });
});
