/**
 * Stage B (PROTOCOL.md §4) beyond the fixture vectors: several issuer keys under one kid, the
 * certificate cache (counted through a spying Ed25519), revocation read from the bundle of
 * each call, the optional amount and currency, and never throwing.
 */
import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import type { Ed25519 } from '../crypto/ed25519.js';
import { kid } from '../crypto/kid.js';
import { nodeEd25519 } from '../node/ed25519Node.js';
import type { TrustBundleDocument, TrustIssuer } from '../trust/trustBundle.js';
import { CertificateCache } from './certificateCache.js';
import { signCertificate, type CertificateFields } from './certificate.js';
import { signToken } from './paymentToken.js';
import { TOKEN_REASONS } from './reasons.js';
import { encodeTokenText } from './tokenText.js';
import { createTokenVerifier, type TokenVerification, type VerifyTokenInput } from './verifyToken.js';

const NOW = 1_764_115_200;
const DAY = 86_400;

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

interface Party {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

function party(byte: number): Party {
  const s = seed(byte);
  return { seed: s, publicKey: nodeEd25519.publicKeyFromSeed(s) };
}

const issuerA = party(0xa1);
const issuerB = party(0xb2);
const device = party(0xd1);
const DEVICE_ID = '0123456789abcdef';
const SHARED_KID = 'cafebabe';

/** An Ed25519 that counts verify calls and records the public keys it was asked about. */
function spy(inner: Ed25519 = nodeEd25519): Ed25519 & { calls: Uint8Array[]; reset(): void } {
  const calls: Uint8Array[] = [];
  return {
    name: `spy(${inner.name})`,
    calls,
    reset() {
      calls.length = 0;
    },
    publicKeyFromSeed: (s) => inner.publicKeyFromSeed(s),
    sign: (s, m) => inner.sign(s, m),
    verify(publicKey, message, signature) {
      calls.push(publicKey);
      return inner.verify(publicKey, message, signature);
    },
  };
}

function issuer(who: Party, kidText = kid(who.publicKey), window: [number, number] = [NOW - 90 * DAY, NOW + DAY]): TrustIssuer {
  return { kid: kidText, publicKey: who.publicKey, notBefore: window[0], notAfter: window[1] };
}

function documentWith(issuers: TrustIssuer[], revokedDevices: TrustBundleDocument['revokedDevices'] = []): TrustBundleDocument {
  return {
    serial: 7,
    issuedAt: NOW - 3600,
    expiresAt: NOW + 3 * DAY,
    issuers,
    revokedDevices,
    policy: {
      currency: 392,
      clockSkewSeconds: 30,
      maxTokenTtlSeconds: 60,
      maxOfflineSeconds: 259_200,
      maxStoredPayments: 500,
      maxStoredAmount: 500_000,
      maxClockAgeSeconds: 86_400,
    },
  };
}

function certificate(signer: Party, change: Partial<CertificateFields> = {}): Uint8Array {
  return signCertificate(nodeEd25519, signer.seed, {
    issuerKid: kid(signer.publicKey),
    deviceId: DEVICE_ID,
    devicePublicKey: device.publicKey,
    notBefore: NOW - 3600,
    notAfter: NOW + 3 * DAY,
    currency: 392,
    perPaymentLimit: 10_000,
    cumulativeLimit: 30_000,
    ...change,
  });
}

function tokenText(cert: Uint8Array, counter = 1, issuedAt = NOW, ttl = 30): string {
  return encodeTokenText(signToken(nodeEd25519, device.seed, { certificate: cert, issuedAt, counter, ttl }));
}

function reasonOf(result: TokenVerification): string {
  return result.ok ? 'ok' : result.reason;
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

describe('several issuer keys with the same kid', () => {
  const certByB = certificate(issuerB, { issuerKid: SHARED_KID });
  const text = tokenText(certByB);

  it.each([
    ['A listed first', [issuer(issuerA, SHARED_KID), issuer(issuerB, SHARED_KID)]],
    ['B listed first', [issuer(issuerB, SHARED_KID), issuer(issuerA, SHARED_KID)]],
  ])('tries each and accepts the one that verifies (%s)', (_name, issuers) => {
    const ed = spy();
    const verifier = createTokenVerifier({ ed25519: ed });
    const result = verifier.verify({ text, bundle: documentWith(issuers), now: NOW });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.fields.issuerKid).toBe(SHARED_KID);
    expect(ed.calls.some((key) => sameKey(key, issuerB.publicKey))).toBe(true);
  });

  it('costs one failed check per wrong key before the right one, then the token check', () => {
    const ed = spy();
    const verifier = createTokenVerifier({ ed25519: ed });
    const bundle = documentWith([issuer(issuerA, SHARED_KID), issuer(issuerB, SHARED_KID)]);
    expect(reasonOf(verifier.verify({ text, bundle, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(3);
    expect(sameKey(ed.calls[0], issuerA.publicKey)).toBe(true);
    expect(sameKey(ed.calls[1], issuerB.publicKey)).toBe(true);
    expect(sameKey(ed.calls[2], device.publicKey)).toBe(true);
  });

  it('is bad_cert_signature when no key under that kid verifies', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const onlyA = documentWith([issuer(issuerA, SHARED_KID), issuer(party(0xc3), SHARED_KID)]);
    expect(reasonOf(verifier.verify({ text, bundle: onlyA, now: NOW }))).toBe('bad_cert_signature');
  });

  it("skips a key whose signing window does not contain the certificate's not_before", () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const bOutOfWindow = documentWith([
      issuer(issuerA, SHARED_KID),
      issuer(issuerB, SHARED_KID, [NOW - 3599, NOW + DAY]),
    ]);
    expect(reasonOf(verifier.verify({ text, bundle: bOutOfWindow, now: NOW }))).toBe('bad_cert_signature');
    const onlyB = documentWith([issuer(issuerB, SHARED_KID, [NOW - 90 * DAY, NOW - 3601])]);
    expect(reasonOf(verifier.verify({ text, bundle: onlyB, now: NOW }))).toBe('unknown_issuer');
    const bAtEdges = documentWith([issuer(issuerB, SHARED_KID, [NOW - 3600, NOW - 3600])]);
    expect(reasonOf(verifier.verify({ text, bundle: bAtEdges, now: NOW }))).toBe('ok');
  });

  it('matches the kid exactly as the document writes it', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const otherKid = documentWith([issuer(issuerB, 'cafebabf')]);
    expect(reasonOf(verifier.verify({ text, bundle: otherKid, now: NOW }))).toBe('unknown_issuer');
  });
});

describe('certificate cache', () => {
  const certA = certificate(issuerA);
  const bundleA = documentWith([issuer(issuerA)]);

  it('a new certificate costs 2 checks, the same certificate again 1, different certificate bytes 2', () => {
    const ed = spy();
    const verifier = createTokenVerifier({ ed25519: ed });
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 1), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(2);

    ed.reset();
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 2), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(1);
    expect(sameKey(ed.calls[0], device.publicKey)).toBe(true);

    ed.reset();
    const renewed = certificate(issuerA, { notAfter: NOW + 3 * DAY + 1 });
    expect(reasonOf(verifier.verify({ text: tokenText(renewed, 3), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(2);

    ed.reset();
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 4), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(1);
  });

  it('a cache hit is still followed by every later check', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 1), bundle: bundleA, now: NOW }))).toBe('ok');
    // A token signed by someone else around the cached certificate.
    const forged = encodeTokenText(
      signToken(nodeEd25519, seed(0x66), { certificate: certA, issuedAt: NOW, counter: 2, ttl: 30 }),
    );
    expect(reasonOf(verifier.verify({ text: forged, bundle: bundleA, now: NOW }))).toBe('bad_token_signature');
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 3), bundle: bundleA, now: NOW + 4 * DAY }))).toBe(
      'cert_expired',
    );
  });

  it('a failure is not remembered: a badly signed certificate costs a check every time', () => {
    const ed = spy();
    const verifier = createTokenVerifier({ ed25519: ed });
    const forgedCert = certificate(issuerB, { issuerKid: kid(issuerA.publicKey) });
    for (let i = 0; i < 3; i++) {
      ed.reset();
      expect(reasonOf(verifier.verify({ text: tokenText(forgedCert, i), bundle: bundleA, now: NOW }))).toBe(
        'bad_cert_signature',
      );
      expect(ed.calls).toHaveLength(1);
    }
  });

  it('a hit under issuer A does not vouch for issuer B listed under the same kid', () => {
    const ed = spy();
    const cache = new CertificateCache(16);
    const verifier = createTokenVerifier({ ed25519: ed, certificateCache: cache });
    const kidA = kid(issuerA.publicKey);
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 1), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(cache.size).toBe(1);

    ed.reset();
    const onlyB = documentWith([issuer(issuerB, kidA)]);
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 2), bundle: onlyB, now: NOW }))).toBe('bad_cert_signature');
    expect(ed.calls).toHaveLength(1);
    expect(sameKey(ed.calls[0], issuerB.publicKey)).toBe(true);

    // A second verifier sharing the cache is not fooled either.
    const other = createTokenVerifier({ ed25519: nodeEd25519, certificateCache: cache });
    expect(reasonOf(other.verify({ text: tokenText(certA, 3), bundle: onlyB, now: NOW }))).toBe('bad_cert_signature');

    // A's entry survived B's failure.
    ed.reset();
    const both = documentWith([issuer(issuerB, kidA), issuer(issuerA)]);
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 4), bundle: both, now: NOW }))).toBe('ok');
    expect(ed.calls).toHaveLength(1);
  });

  it('a hit under a key the bundle no longer lists counts for nothing', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 1), bundle: bundleA, now: NOW }))).toBe('ok');
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 2), bundle: documentWith([]), now: NOW }))).toBe(
      'unknown_issuer',
    );
    const outOfWindow = documentWith([issuer(issuerA, undefined, [NOW - 3599, NOW + DAY])]);
    expect(reasonOf(verifier.verify({ text: tokenText(certA, 3), bundle: outOfWindow, now: NOW }))).toBe(
      'unknown_issuer',
    );
  });
});

describe('revoked devices', () => {
  const cert = certificate(issuerA);
  const clean = documentWith([issuer(issuerA)]);

  it('uses the bundle of each call: a new bundle listing the device revokes it at once', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    expect(reasonOf(verifier.verify({ text: tokenText(cert, 1), bundle: clean, now: NOW }))).toBe('ok');
    const revoking: TrustBundleDocument = { ...clean, serial: 8, revokedDevices: [{ deviceId: DEVICE_ID, until: 0 }] };
    expect(reasonOf(verifier.verify({ text: tokenText(cert, 2), bundle: revoking, now: NOW }))).toBe('device_revoked');
    // Whatever its `until`: one long past still revokes.
    expect(reasonOf(verifier.verify({ text: tokenText(cert, 2), bundle: revoking, now: NOW }))).toBe('device_revoked');
    // The older bundle object is still answered from its own list.
    expect(reasonOf(verifier.verify({ text: tokenText(cert, 3), bundle: clean, now: NOW }))).toBe('ok');
  });

  it('another device in the list does not matter', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const others = documentWith([issuer(issuerA)], [
      { deviceId: '0123456789abcdee', until: NOW },
      { deviceId: 'fedcba9876543210', until: NOW },
    ]);
    expect(reasonOf(verifier.verify({ text: tokenText(cert, 1), bundle: others, now: NOW }))).toBe('ok');
  });

  it('comes after the certificate signature and before the token signature', () => {
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const revoking = documentWith([issuer(issuerA)], [{ deviceId: DEVICE_ID, until: NOW }]);
    const forgedCert = certificate(issuerB, { issuerKid: kid(issuerA.publicKey) });
    expect(reasonOf(verifier.verify({ text: tokenText(forgedCert), bundle: revoking, now: NOW }))).toBe(
      'bad_cert_signature',
    );
    const forgedToken = encodeTokenText(
      signToken(nodeEd25519, seed(0x66), { certificate: cert, issuedAt: NOW, counter: 1, ttl: 30 }),
    );
    expect(reasonOf(verifier.verify({ text: forgedToken, bundle: revoking, now: NOW }))).toBe('device_revoked');
  });
});

describe('optional amount and currency (checks 12 and 13)', () => {
  const cert = certificate(issuerA, { currency: 392, perPaymentLimit: 10_000 });
  const bundle = documentWith([issuer(issuerA)]);
  const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
  const base: VerifyTokenInput = { text: tokenText(cert), bundle, now: NOW };

  it.each([
    ['neither given', {}, 'ok'],
    ['only a matching currency', { currency: 392 }, 'ok'],
    ['only another currency', { currency: 840 }, 'currency_mismatch'],
    ['only an amount at the limit', { amount: 10_000 }, 'ok'],
    ['only an amount over the limit', { amount: 10_001 }, 'over_payment_limit'],
    ['both, within', { currency: 392, amount: 1 }, 'ok'],
    ['both, amount 0', { currency: 392, amount: 0 }, 'ok'],
    ['both wrong: the currency is reported first', { currency: 840, amount: 10_001 }, 'currency_mismatch'],
    ['currency 0 is a currency', { currency: 0 }, 'currency_mismatch'],
    ['explicitly undefined', { currency: undefined, amount: undefined }, 'ok'],
  ] as const)('%s → %s', (_name, sale, expected) => {
    expect(reasonOf(verifier.verify({ ...base, ...sale }))).toBe(expected);
  });

  it('answers exactly the §4 success fields', () => {
    const result = verifier.verify({ ...base, currency: 392, amount: 500 });
    expect(result).toEqual({
      ok: true,
      fields: {
        deviceId: DEVICE_ID,
        counter: 1,
        issuedAt: NOW,
        ttl: 30,
        currency: 392,
        perPaymentLimit: 10_000,
        cumulativeLimit: 30_000,
        issuerKid: kid(issuerA.publicKey),
        notBefore: NOW - 3600,
        notAfter: NOW + 3 * DAY,
        token: base.text,
      },
    });
  });
});

describe('robustness', () => {
  it('never throws on 2,000 random strings and answers a stage B reason', () => {
    const random = seededRandom(2000);
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    const bundle = documentWith([issuer(issuerA), issuer(issuerB, kid(issuerA.publicKey))]);
    const valid = tokenText(certificate(issuerA));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz0189 \t\r\n]=-_é😀\u0000\ud800';
    const reasons = new Set<string>(['ok', ...TOKEN_REASONS]);
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      let text: string;
      switch (i % 4) {
        case 0: {
          // Random characters, sometimes with a valid start.
          text = random.pick(['', 'TG1', 'tg2', ']Q1TG1']);
          const length = random.int(400);
          for (let k = 0; k < length; k++) text += alphabet[random.int(alphabet.length)]!;
          break;
        }
        case 1: {
          // The valid text with one character changed (decodes, then fails a check).
          const at = 3 + random.int(327);
          text = valid.slice(0, at) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[random.int(32)]! + valid.slice(at + 1);
          break;
        }
        case 2: {
          // Random 204 bytes, well-formed text.
          text = encodeTokenText(random.bytes(204));
          break;
        }
        default: {
          // Random bytes behind a valid version and type prefix for token and certificate.
          const bytes = random.bytes(204);
          bytes.set([0x01, 0x50, 0x01, 0x43], 0);
          if (random.float() < 0.5) bytes.set(Buffer.from(kid(issuerA.publicKey), 'hex'), 4);
          text = encodeTokenText(bytes);
        }
      }
      let result: TokenVerification | undefined;
      expect(() => {
        result = verifier.verify({ text, bundle, now: NOW, amount: 100, currency: 392 });
      }, JSON.stringify(text.slice(0, 40))).not.toThrow();
      const reason = reasonOf(result!);
      expect(reasons.has(reason), reason).toBe(true);
      seen.set(reason, (seen.get(reason) ?? 0) + 1);
    }
    // The inputs reached past the decoder, not only into it.
    expect(seen.get('malformed')).toBeGreaterThan(0);
    expect(seen.get('unsupported_version')).toBeGreaterThan(0);
    expect(seen.get('unknown_issuer')).toBeGreaterThan(0);
    expect(seen.get('bad_cert_signature')).toBeGreaterThan(0);
  });
});
