import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromBase64url, kid, verifyTrustBundle } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../runtime/random.js';
import { delegateBundleKey, initKeys, rotateIssuer } from './keyCommands.js';
import { activeBundleKey, activeIssuer, listedIssuers, loadKeyring, testOnlyProblems } from './keyFiles.js';
import { signBundleWith } from './signWith.js';

const T = 1_795_000_000;
const DAY = 86_400;

function context(dev: boolean, nowS = T) {
  const directory = mkdtempSync(path.join(tmpdir(), 'tegata-keys-'));
  return { directory, ed: nodeEd25519, random: systemRandom, nowS, dev };
}

describe('key commands', () => {
  it('init writes a public root, a private root, a delegated bundle key and an issuer, all 0600', async () => {
    const ctx = context(false);
    const result = await initKeys(ctx, { bundleKeyDays: 30, issuerDays: 90 });
    expect(result.files.map((file) => path.basename(file)).sort()).toEqual(
      expect.arrayContaining(['root.json', 'root.secret.json']),
    );
    for (const file of result.files) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(ctx.directory, 'root.json'), 'utf8'))).not.toHaveProperty('seed');
    const keyring = loadKeyring(ctx.directory, nodeEd25519);
    expect(testOnlyProblems(keyring)).toEqual([]);
    expect(keyring.root.kid).toBe(kid(fromBase64url(result.rootPublicKey) ?? new Uint8Array(0)));
    const bundleKey = activeBundleKey(keyring, T);
    expect(bundleKey).toMatchObject({ notBefore: T - 3600, notAfter: T + 30 * DAY });
    expect(activeIssuer(keyring, T)).toMatchObject({ notBefore: T, notAfter: T + 90 * DAY });
    await expect(initKeys(ctx, { bundleKeyDays: 30, issuerDays: 90 })).rejects.toThrow(/already exists/);
  });

  it('signs bundles the protocol package verifies against the root', async () => {
    const ctx = context(false);
    await initKeys(ctx, { bundleKeyDays: 30, issuerDays: 90 });
    const keyring = loadKeyring(ctx.directory, nodeEd25519);
    const bundleKey = activeBundleKey(keyring, T);
    if (bundleKey === undefined) throw new Error('no bundle key');
    const document = {
      serial: 1,
      issuedAt: T,
      expiresAt: T + DAY,
      issuers: [],
      revokedDevices: [],
      policy: { currency: 392, clockSkewSeconds: 30, maxTokenTtlSeconds: 60, maxOfflineSeconds: 1, maxStoredPayments: 1, maxStoredAmount: 1, maxClockAgeSeconds: 1 },
    };
    const signed = await signBundleWith(bundleKey.signer, bundleKey.delegation, document);
    const verified = verifyTrustBundle(nodeEd25519, JSON.parse(JSON.stringify(signed)), [keyring.root.publicKey]);
    expect(verified.ok && verified.bundle.document).toEqual(document);
    // Outside the delegation window the same key is refused by verifiers.
    const late = await signBundleWith(bundleKey.signer, bundleKey.delegation, { ...document, issuedAt: T + 31 * DAY });
    expect(verifyTrustBundle(nodeEd25519, late, [keyring.root.publicKey]).ok).toBe(false);
  });

  it('delegate refuses another root and, outside dev mode, a TEST-ONLY root', async () => {
    const dev = context(true);
    await initKeys(dev, { bundleKeyDays: 30, issuerDays: 90 });
    const prod = context(false);
    await initKeys(prod, { bundleKeyDays: 30, issuerDays: 90 });
    await expect(
      delegateBundleKey(prod, { rootSecretFile: path.join(dev.directory, 'root.secret.json'), days: 30 }),
    ).rejects.toThrow(/is not the root key/);
    const fresh = context(false);
    await expect(
      delegateBundleKey(fresh, { rootSecretFile: path.join(dev.directory, 'root.secret.json'), days: 30 }),
    ).rejects.toThrow(/TEST-ONLY/);
    expect(testOnlyProblems(loadKeyring(dev.directory, nodeEd25519))).toHaveLength(3);
  });

  it('rotate closes the old issuer window and lists it until its certificates expire', async () => {
    const ctx = context(false);
    await initKeys(ctx, { bundleKeyDays: 30, issuerDays: 90 });
    const later = { ...ctx, nowS: T + 10 * DAY };
    const rotated = rotateIssuer(later, { days: 90 });
    const keyring = loadKeyring(ctx.directory, nodeEd25519);
    expect(activeIssuer(keyring, later.nowS)?.signer.kid).toBe(rotated.kid);
    const old = keyring.issuers.find((key) => key.signer.kid !== rotated.kid);
    expect(old).toMatchObject({ notBefore: T, notAfter: T + 10 * DAY });
    const lifetime = 3 * DAY;
    expect(listedIssuers(keyring, T + 10 * DAY + lifetime + 30, lifetime, 30)).toHaveLength(2);
    expect(listedIssuers(keyring, T + 10 * DAY + lifetime + 31, lifetime, 30).map((key) => key.signer.kid)).toEqual([rotated.kid]);
  });
});
