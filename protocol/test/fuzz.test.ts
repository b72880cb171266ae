import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import {
  BASE32_ALPHABET,
  createTokenVerifier,
  decodeTokenText,
  encodeTokenText,
  fromBase64url,
  verifyTrustBundle,
  type TokenVerification,
} from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';
import { fixtureBundleJson, tokenVectors } from './fixtureFiles.js';

const vector = tokenVectors.vectors.find((v) => v.name === 'valid_basic')!;
const original = vector.token;
const decoded = decodeTokenText(original);
if (!decoded.ok) throw new Error('fixture token does not decode');
const originalBytes = decoded.bytes;

const trusted = verifyTrustBundle(nodeEd25519, fixtureBundleJson, [fromBase64url(tokenVectors.rootPublicKey)!]);
if (!trusted.ok) throw new Error('fixture bundle refused');
const bundle = trusted.bundle.document;
const verifier = createTokenVerifier({ ed25519: nodeEd25519 });

function verify(text: string): TokenVerification {
  return verifier.verify({ text, bundle, now: vector.now, amount: 1200, currency: 392 });
}

describe('fuzzing stage B', () => {
  it('accepts the unchanged token (the control)', () => {
    expect(verify(original).ok).toBe(true);
  });

  it('never throws and never accepts a changed token across 100,000 inputs', () => {
    // Seeded, so a failure can be replayed exactly.
    const random = seededRandom(20261126);
    const int = (n: number): number => random.int(n);
    const pick = (s: string): string => s[random.int(s.length)]!;
    const ASCII = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    const WEIRD = 'ＴＧ１ÀßıİK\u00a0\u3000\u200b\ufeff\ud800\udfff😀';

    const generators: [string, () => string][] = [
      ['multi-bit flip', () => {
        const bytes = originalBytes.slice();
        const flips = 1 + int(8);
        for (let i = 0; i < flips; i++) bytes[int(204)]! ^= 1 << int(8);
        return encodeTokenText(bytes);
      }],
      ['truncation', () => original.slice(0, int(original.length))],
      ['extension', () => original + Array.from({ length: 1 + int(20) }, () => pick(BASE32_ALPHABET + ASCII)).join('')],
      ['wrong alphabet', () => {
        const at = int(original.length);
        return original.slice(0, at) + pick(ASCII + WEIRD) + original.slice(at + 1);
      }],
      ['insertion', () => {
        const at = int(original.length + 1);
        return original.slice(0, at) + pick(BASE32_ALPHABET) + original.slice(at);
      }],
      ['deletion', () => {
        const at = int(original.length);
        return original.slice(0, at) + original.slice(at + 1);
      }],
      ['character swap', () => {
        const chars = original.split('');
        const i = 3 + int(chars.length - 3);
        const j = 3 + int(chars.length - 3);
        [chars[i], chars[j]] = [chars[j]!, chars[i]!];
        return chars.join('');
      }],
      ['random case', () => original.replace(/[A-Z]/g, (c) => (random.float() < 0.3 ? c.toLowerCase() : c))],
      ['random token-shaped garbage', () => encodeTokenText(random.bytes(204))],
      ['garbage with valid header bytes', () => {
        const bytes = originalBytes.slice();
        for (let i = 130 + int(74); i < 204; i++) bytes[i] = int(256);
        return encodeTokenText(bytes);
      }],
      ['random text', () => Array.from({ length: int(600) }, () => pick(ASCII + WEIRD + BASE32_ALPHABET)).join('')],
      ['long text', () => ' '.repeat(int(8000)) + original],
    ];

    const inputs: [string, string][] = [];
    // Every single bit of every byte, then the random families up to 100,000 inputs.
    for (let i = 0; i < 204; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = originalBytes.slice();
        bytes[i]! ^= 1 << bit;
        inputs.push([`bit ${bit} of byte ${i}`, encodeTokenText(bytes)]);
      }
    }
    while (inputs.length < 100_000) {
      const [family, generate] = generators[inputs.length % generators.length]!;
      inputs.push([family, generate()]);
    }

    const wronglyAccepted: string[] = [];
    const threw: string[] = [];
    let acceptedUnchanged = 0;
    for (const [family, text] of inputs) {
      let result: TokenVerification;
      try {
        result = verify(text);
      } catch (error) {
        threw.push(`${family}: ${String(error)}`);
        continue;
      }
      if (!result.ok) continue;
      // A text that decodes to the same canonical token (e.g. lowercased) is the same token.
      if (result.fields.token === original) acceptedUnchanged++;
      else wronglyAccepted.push(`${family}: ${text.slice(0, 40)}…`);
    }
    expect(inputs.length).toBe(100_000);
    expect(threw).toEqual([]);
    expect(wronglyAccepted).toEqual([]);
    // The case family must have produced accepted inputs, or the check above proved nothing.
    expect(acceptedUnchanged).toBeGreaterThan(1000);
  }, 120_000);
});
