import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  decodeTokenText,
  fromBase64url,
  parseToken,
  readDeviceKeysFile,
  tweetnaclEd25519,
  verifyTrustBundle,
} from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from './offlineWallet.js';

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')) as unknown;
const vectors = read('vectors/tokens.json') as { rootPublicKey: string; fixtureNow: number };
const keysFile = readDeviceKeysFile(read('keys/TEST-ONLY-device-alice.json'));
if (!keysFile.ok) throw new Error(keysFile.message);
const trusted = verifyTrustBundle(nodeEd25519, read('trust/TEST-ONLY-trust-bundle.json'), [fromBase64url(vectors.rootPublicKey)!]);
if (!trusted.ok) throw new Error(trusted.detail);

describe.each([tweetnaclEd25519, nodeEd25519])('offline wallet ($name)', (ed) => {
  let now = vectors.fixtureNow;
  const wallet = createOfflineWallet({ ed25519: ed, keys: keysFile.keys, now: () => now, firstCounter: 10 });
  const verifier = createTokenVerifier({ ed25519: nodeEd25519 });

  it('mints tokens that a register accepts, with strictly increasing counters', () => {
    const counters: number[] = [];
    for (let i = 0; i < 3; i++) {
      now += 30;
      const text = wallet.mint();
      const result = verifier.verify({ text, bundle: trusted.bundle.document, now, amount: 500, currency: 392 });
      if (!result.ok) throw new Error(result.reason);
      expect(result.fields.issuedAt).toBe(now);
      expect(result.fields.ttl).toBe(30);
      counters.push(result.fields.counter);
    }
    expect(counters).toEqual([10, 11, 12]);
  });

  it('never goes back below a counter it was told to use', () => {
    const text = wallet.mint({ counter: 100, ttl: 45, issuedAt: now - 1 });
    const decoded = decodeTokenText(text);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(parseToken(decoded.bytes)).toMatchObject({ counter: 100, ttl: 45, issuedAt: now - 1 });
    expect(wallet.nextCounter).toBe(101);
    wallet.mint({ counter: 50 });
    expect(wallet.nextCounter).toBe(101);
  });
});
