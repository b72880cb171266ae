import { describe, expect, it } from 'vitest';
import {
  checkTrustAcceptance,
  createTokenVerifier,
  fromBase64url,
  TOKEN_REASONS,
  tweetnaclEd25519,
  verifyTrustBundle,
  type TokenVerification,
} from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';
import { bundleVectors, fixtureBundleJson, tokenVectors } from './fixtureFiles.js';

const rootKey = fromBase64url(tokenVectors.rootPublicKey)!;

describe.each([nodeEd25519, tweetnaclEd25519])('token vectors with $name', (ed) => {
  const trusted = verifyTrustBundle(ed, fixtureBundleJson, [rootKey]);
  if (!trusted.ok) throw new Error(`fixture bundle refused: ${trusted.detail}`);
  const verifier = createTokenVerifier({ ed25519: ed });

  it.each(tokenVectors.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const result: TokenVerification = verifier.verify({
      text: vector.token,
      bundle: trusted.bundle.document,
      now: vector.now,
      ...(vector.amount === null ? {} : { amount: vector.amount }),
      ...(vector.currency === null ? {} : { currency: vector.currency }),
    });
    const flat = result.ok ? { ok: true, ...result.fields } : result;
    expect(flat).toEqual(vector.expected);
  });
});

describe('token vector coverage', () => {
  it('has at least two failing vectors for every stage B reason and several valid ones', () => {
    for (const reason of TOKEN_REASONS) {
      const count = tokenVectors.vectors.filter((v) => v.expected.reason === reason).length;
      expect(count, reason).toBeGreaterThanOrEqual(2);
    }
    expect(tokenVectors.vectors.filter((v) => v.expected.ok).length).toBeGreaterThanOrEqual(5);
  });
});

describe.each([nodeEd25519, tweetnaclEd25519])('bundle vectors with $name', (ed) => {
  it.each(bundleVectors.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const valid = verifyTrustBundle(ed, vector.bundle, [fromBase64url(bundleVectors.rootPublicKey)!]);
    const outcome = !valid.ok
      ? valid.reason
      : (() => {
          const acceptance = checkTrustAcceptance(vector.currentSerial, valid.bundle.document, vector.now);
          return acceptance.ok ? 'accepted' : acceptance.code;
        })();
    expect(outcome).toBe(vector.expected);
  });
});
