/**
 * Project Wycheproof's Ed25519 vectors (fixtures/wycheproof/, Apache-2.0, source in SOURCES
 * there) through both wrappers: PROTOCOL.md "Strict Ed25519" names them as a reference, and
 * every implementation must give one answer on every input.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, tweetnaclEd25519, type Ed25519 } from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';

const FILE = new URL('../../fixtures/wycheproof/ed25519_test.json', import.meta.url);
/** The SHA-256 recorded in fixtures/wycheproof/SOURCES: the copy is the upstream file, unmodified. */
const SHA256 = '752d2ea7d7c6cf4736381b6cbacb61f8182b126ab7cd9b058f00c50084975536';

type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: WycheproofResult;
}

interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: { type: string; publicKey: { curve: string; pk: string }; tests: WycheproofTest[] }[];
}

const raw = readFileSync(FILE);
const file = JSON.parse(raw.toString('utf8')) as WycheproofFile;

function bytes(hex: string, what: string): Uint8Array {
  const b = fromHex(hex);
  if (b === null) throw new Error(`bad hex in ${what}`);
  return b;
}

const cases = file.testGroups.flatMap((group) =>
  group.tests.map((t) => ({
    label: `tcId ${t.tcId} ${t.result}${t.comment === '' ? '' : ` (${t.comment})`} [${t.flags.join(', ')}]`,
    result: t.result,
    publicKey: bytes(group.publicKey.pk, `tcId ${t.tcId} pk`),
    message: bytes(t.msg, `tcId ${t.tcId} msg`),
    signature: bytes(t.sig, `tcId ${t.tcId} sig`),
  })),
);

const WRAPPERS: readonly Ed25519[] = [nodeEd25519, tweetnaclEd25519];

describe('Project Wycheproof Ed25519 vectors (fixtures/wycheproof/ed25519_test.json)', () => {
  it('is the recorded upstream file: 151 EdDSA verify vectors on edwards25519, none "acceptable"', () => {
    expect(createHash('sha256').update(raw).digest('hex')).toBe(SHA256);
    expect(file.algorithm).toBe('EDDSA');
    expect(file.numberOfTests).toBe(151);
    expect(cases).toHaveLength(151);
    for (const group of file.testGroups) {
      expect(group.type).toBe('EddsaVerify');
      expect(group.publicKey.curve).toBe('edwards25519');
    }
    expect(cases.filter((c) => c.result === 'valid')).toHaveLength(88);
    expect(cases.filter((c) => c.result === 'invalid')).toHaveLength(63);
    // Wycheproof marks "acceptable" what a standard leaves open; this file leaves nothing open.
    // Were a later copy to add such vectors, the test below requires both wrappers to agree.
    expect(cases.filter((c) => c.result === 'acceptable')).toHaveLength(0);
  });

  describe.each(WRAPPERS)('$name', (ed) => {
    it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
      const answer = ed.verify(c.publicKey, c.message, c.signature);
      if (c.result === 'acceptable') {
        const others = WRAPPERS.map((w) => w.verify(c.publicKey, c.message, c.signature));
        expect(others).toEqual(others.map(() => answer));
      } else {
        expect(answer).toBe(c.result === 'valid');
      }
    });
  });

  it('both wrappers give the same answer on every vector', () => {
    const disagreements = cases.filter(
      (c) => nodeEd25519.verify(c.publicKey, c.message, c.signature) !== tweetnaclEd25519.verify(c.publicKey, c.message, c.signature),
    );
    expect(disagreements.map((c) => c.label)).toEqual([]);
  });
});
