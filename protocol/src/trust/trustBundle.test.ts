/**
 * Trust bundles (PROTOCOL.md §5) with keys of this test's own: signing and verifying,
 * several pinned roots, the delegation window, the JSON member order, the unverified reader,
 * acceptance by serial and expiry, and never throwing on arbitrary or mutated input.
 */
import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { tweetnaclEd25519 } from '../crypto/ed25519Tweetnacl.js';
import { kid } from '../crypto/kid.js';
import { fromBase64url, toBase64url } from '../encoding.js';
import { nodeEd25519 } from '../node/ed25519Node.js';
import { checkTrustAcceptance } from './acceptTrustBundle.js';
import { readTrustBundleUnverified, verifyTrustBundle, type TrustBundleResult } from './readTrustBundle.js';
import { encodeTrustDocument, signDelegation, signTrustBundle, type SignedDelegation } from './signTrustBundle.js';
import type { Delegation, SignedTrustBundle, TrustBundleDocument, TrustPolicy } from './trustBundle.js';

const T = 1_764_115_200;
const DAY = 86_400;

interface Party {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

function party(byte: number): Party {
  const seed = new Uint8Array(32).fill(byte);
  return { seed, publicKey: nodeEd25519.publicKeyFromSeed(seed) };
}

const root = party(0x01);
const root2 = party(0x02);
const bundleKey = party(0x03);
const issuer1 = party(0x04);
const issuer2 = party(0x05);

const policy: TrustPolicy = {
  currency: 392,
  clockSkewSeconds: 30,
  maxTokenTtlSeconds: 60,
  maxOfflineSeconds: 259_200,
  maxStoredPayments: 500,
  maxStoredAmount: 500_000,
  maxClockAgeSeconds: 86_400,
};

const document: TrustBundleDocument = {
  serial: 42,
  issuedAt: T,
  expiresAt: T + 3 * DAY,
  issuers: [
    { kid: kid(issuer1.publicKey), publicKey: issuer1.publicKey, notBefore: T - 90 * DAY, notAfter: T },
    { kid: kid(issuer2.publicKey), publicKey: issuer2.publicKey, notBefore: T - DAY, notAfter: T + 90 * DAY },
  ],
  revokedDevices: [
    { deviceId: '0123456789abcdef', until: T + 3 * DAY },
    { deviceId: 'fedcba9876543210', until: 0 },
  ],
  policy,
};

const window: Delegation = { bundleKey: bundleKey.publicKey, notBefore: T - DAY, notAfter: T + 29 * DAY };

function delegate(ed: Ed25519, by: Party = root, delegation: Delegation = window): SignedDelegation {
  return signDelegation(ed, by.seed, delegation);
}

function sign(
  ed: Ed25519,
  doc: TrustBundleDocument | Uint8Array = document,
  delegation: SignedDelegation = delegate(ed),
  key: Party = bundleKey,
): SignedTrustBundle {
  return signTrustBundle(ed, key.seed, delegation, doc);
}

/** A JSON round trip: what a terminal reads from disk or the network. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function detailOf(result: TrustBundleResult): string {
  return result.ok ? 'ok' : result.detail;
}

describe.each([nodeEd25519, tweetnaclEd25519])('sign and verify with $name', (ed) => {
  it('round-trips: the verified document is the one signed', () => {
    const signed = sign(ed);
    const result = verifyTrustBundle(ed, asJson(signed), [root.publicKey]);
    expect(result).toEqual({ ok: true, bundle: { document, delegation: window, signed } });
  });

  it('accepts when any pinned root key signed the delegation (the second one here)', () => {
    const signed = asJson(sign(ed));
    expect(verifyTrustBundle(ed, signed, [root2.publicKey, root.publicKey]).ok).toBe(true);
    expect(verifyTrustBundle(ed, signed, [root.publicKey, root2.publicKey]).ok).toBe(true);
    const bySecond = asJson(sign(ed, document, delegate(ed, root2)));
    expect(verifyTrustBundle(ed, bySecond, [root.publicKey, root2.publicKey]).ok).toBe(true);
    expect(verifyTrustBundle(ed, bySecond, [root.publicKey])).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
  });

  it('refuses a delegation by an unpinned key, an empty pin list, and a bundle signed by another key', () => {
    const signed = asJson(sign(ed));
    expect(verifyTrustBundle(ed, signed, [root2.publicKey])).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
    expect(verifyTrustBundle(ed, signed, [])).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
    // The bundle key signs the delegation instead of the root.
    const selfDelegated = asJson(sign(ed, document, delegate(ed, bundleKey)));
    expect(verifyTrustBundle(ed, selfDelegated, [root.publicKey]).ok).toBe(false);
    // The root signs the bundle itself instead of the delegated key.
    const wrongSigner = asJson(sign(ed, document, delegate(ed), root));
    expect(verifyTrustBundle(ed, wrongSigner, [root.publicKey]).ok).toBe(false);
  });

  it('keeps the domain prefixes apart: a delegation signature does not verify as a bundle signature', () => {
    const delegation = delegate(ed);
    const signed = sign(ed);
    const swapped = { ...signed, payload: delegation.payload, signature: delegation.signature };
    expect(verifyTrustBundle(ed, swapped, [root.publicKey, bundleKey.publicKey]).ok).toBe(false);
  });
});

describe('delegation window', () => {
  const ed = nodeEd25519;

  it.each([
    ['issuedAt = notBefore', T, T + DAY, true],
    ['issuedAt = notAfter', T - DAY, T, true],
    ['notBefore = notAfter = issuedAt', T, T, true],
    ['issuedAt = notBefore − 1', T + 1, T + DAY, false],
    ['issuedAt = notAfter + 1', T - DAY, T - 1, false],
    ['an inverted window', T + 1, T - 1, false],
  ] as const)('%s → %s', (_name, notBefore, notAfter, valid) => {
    const signed = asJson(sign(ed, document, delegate(ed, root, { bundleKey: bundleKey.publicKey, notBefore, notAfter })));
    const result = verifyTrustBundle(ed, signed, [root.publicKey]);
    expect(result.ok).toBe(valid);
    if (!valid) expect(detailOf(result)).toMatch(/delegation window/);
  });
});

describe('JSON written by the signer', () => {
  it('writes the document members in the order of §5, whatever the order of the object', () => {
    const scrambled: TrustBundleDocument = {
      policy: {
        maxClockAgeSeconds: 6,
        maxStoredAmount: 5,
        maxStoredPayments: 4,
        maxOfflineSeconds: 3,
        maxTokenTtlSeconds: 2,
        clockSkewSeconds: 1,
        currency: 392,
      },
      revokedDevices: [{ until: 9, deviceId: '0123456789abcdef' }],
      issuers: [{ notAfter: 8, notBefore: 7, publicKey: issuer1.publicKey, kid: kid(issuer1.publicKey) }],
      expiresAt: 30,
      issuedAt: 20,
      serial: 10,
    };
    const text = Buffer.from(encodeTrustDocument(scrambled)).toString('utf8');
    const json = JSON.parse(text) as Record<string, unknown> & {
      issuers: Record<string, unknown>[];
      revokedDevices: Record<string, unknown>[];
      policy: Record<string, unknown>;
    };
    expect(Object.keys(json)).toEqual(['serial', 'issuedAt', 'expiresAt', 'issuers', 'revokedDevices', 'policy']);
    expect(Object.keys(json.issuers[0]!)).toEqual(['kid', 'publicKey', 'notBefore', 'notAfter']);
    expect(Object.keys(json.revokedDevices[0]!)).toEqual(['deviceId', 'until']);
    expect(Object.keys(json.policy)).toEqual([
      'currency',
      'clockSkewSeconds',
      'maxTokenTtlSeconds',
      'maxOfflineSeconds',
      'maxStoredPayments',
      'maxStoredAmount',
      'maxClockAgeSeconds',
    ]);
    expect(text).toBe(
      '{"serial":10,"issuedAt":20,"expiresAt":30,' +
        `"issuers":[{"kid":"${kid(issuer1.publicKey)}","publicKey":"${toBase64url(issuer1.publicKey)}","notBefore":7,"notAfter":8}],` +
        '"revokedDevices":[{"deviceId":"0123456789abcdef","until":9}],' +
        '"policy":{"currency":392,"clockSkewSeconds":1,"maxTokenTtlSeconds":2,"maxOfflineSeconds":3,' +
        '"maxStoredPayments":4,"maxStoredAmount":5,"maxClockAgeSeconds":6}}',
    );
  });

  it('drops members the types do not know', () => {
    const extra = { ...document, comment: 'x', policy: { ...policy, extra: 1 } } as TrustBundleDocument;
    const json = JSON.parse(Buffer.from(encodeTrustDocument(extra)).toString('utf8')) as Record<string, unknown>;
    expect(json).not.toHaveProperty('comment');
    expect(json.policy).not.toHaveProperty('extra');
  });

  it('writes the delegation payload as bundleKey, notBefore, notAfter and signs the envelope as §5 shows', () => {
    const delegation = delegate(nodeEd25519);
    const payload = Buffer.from(fromBase64url(delegation.payload)!).toString('utf8');
    expect(payload).toBe(
      `{"bundleKey":"${toBase64url(bundleKey.publicKey)}","notBefore":${window.notBefore},"notAfter":${window.notAfter}}`,
    );
    const signed = sign(nodeEd25519, document, delegation);
    expect(Object.keys(signed)).toEqual(['format', 'delegation', 'payload', 'signature']);
    expect(signed.format).toBe('tegata-trust/1');
    expect(fromBase64url(signed.signature)).toHaveLength(64);
    expect(fromBase64url(signed.delegation.signature)).toHaveLength(64);
    expect(fromBase64url(signed.payload)).toEqual(encodeTrustDocument(document));
  });
});

describe('readTrustBundleUnverified', () => {
  const ed = nodeEd25519;

  it('accepts a well-formed bundle whatever its signatures, which verifyTrustBundle refuses', () => {
    const stranger = party(0x77);
    const badlySigned = asJson(sign(ed, document, delegate(ed, stranger), stranger));
    expect(verifyTrustBundle(ed, badlySigned, [root.publicKey]).ok).toBe(false);
    const result = readTrustBundleUnverified(badlySigned);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.bundle.document).toEqual(document);

    const zeroSignatures = { ...sign(ed), signature: toBase64url(new Uint8Array(64)) };
    expect(readTrustBundleUnverified(asJson(zeroSignatures)).ok).toBe(true);
    expect(verifyTrustBundle(ed, asJson(zeroSignatures), [root.publicKey]).ok).toBe(false);
  });

  it('refuses an ill-formed bundle', () => {
    const good = sign(ed);
    const missingPolicyField = utf8Encode(
      JSON.stringify({ ...JSON.parse(Buffer.from(encodeTrustDocument(document)).toString()), policy: { currency: 392 } }),
    );
    for (const bad of [
      { ...good, format: 'tegata-trust/2' },
      { ...good, payload: good.payload + '=' },
      { ...good, payload: toBase64url(missingPolicyField) },
      { ...good, delegation: { ...good.delegation, payload: toBase64url(utf8Encode('{"bundleKey":"AAAA"}')) } },
      { format: 'tegata-trust/1', payload: good.payload, signature: good.signature },
      null,
      'tegata-trust/1',
      [good],
    ]) {
      const result = readTrustBundleUnverified(asJson(bad));
      expect(result).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
      expect(verifyTrustBundle(ed, asJson(bad), [root.publicKey]).ok).toBe(false);
    }
  });
});

/** A document as plain JSON, for tests that change it before signing. */
type DocJson = Record<string, unknown> & {
  issuers: Record<string, unknown>[];
  revokedDevices: Record<string, unknown>[];
  policy: Record<string, unknown>;
};

describe('document validation (correctly signed, ill-formed content)', () => {
  const ed = nodeEd25519;
  const base = JSON.parse(Buffer.from(encodeTrustDocument(document)).toString('utf8')) as Record<string, unknown>;
  const delegation = delegate(ed);

  function verifyDocument(value: unknown): TrustBundleResult {
    return verifyTrustBundle(ed, asJson(sign(ed, utf8Encode(JSON.stringify(value)), delegation)), [root.publicKey]);
  }

  function changed(mutate: (doc: DocJson) => void): unknown {
    const copy = structuredClone(base) as DocJson;
    mutate(copy);
    return copy;
  }

  it('the unchanged JSON verifies', () => {
    expect(verifyDocument(base).ok).toBe(true);
  });

  it.each([
    ['unknown members at every level', (d: DocJson) => {
      d.future = { x: 1 };
      d.issuers[0]!.note = 'n';
      d.revokedDevices[0]!.reason = 'lost';
      d.policy.newLimit = 5;
    }],
    ['numbers of 2^53 − 1', (d: DocJson) => {
      d.serial = Number.MAX_SAFE_INTEGER;
      d.expiresAt = Number.MAX_SAFE_INTEGER;
    }],
    ['empty issuer and revocation lists', (d: DocJson) => {
      d.issuers = [];
      d.revokedDevices = [];
    }],
  ])('accepts %s', (_name, mutate) => {
    expect(verifyDocument(changed(mutate)).ok).toBe(true);
  });

  const requiredTop = ['serial', 'issuedAt', 'expiresAt', 'issuers', 'revokedDevices', 'policy'];
  it.each(requiredTop)('refuses a document without %s', (field) => {
    expect(verifyDocument(changed((d) => delete d[field])).ok).toBe(false);
  });

  it.each(Object.keys(policy))('refuses a policy without %s', (field) => {
    expect(verifyDocument(changed((d) => delete d.policy[field])).ok).toBe(false);
  });

  it.each(['kid', 'publicKey', 'notBefore', 'notAfter'])('refuses an issuer without %s', (field) => {
    expect(verifyDocument(changed((d) => delete d.issuers[1]![field])).ok).toBe(false);
  });

  it.each(['deviceId', 'until'])('refuses a revoked device without %s', (field) => {
    expect(verifyDocument(changed((d) => delete d.revokedDevices[1]![field])).ok).toBe(false);
  });

  it.each([
    ['serial −1', -1],
    ['serial 1.5', 1.5],
    ['serial 2^53', 2 ** 53],
    ['serial "42"', '42'],
    ['serial null', null],
    ['serial true', true],
  ])('refuses %s', (_name, value) => {
    expect(verifyDocument(changed((d) => (d.serial = value))).ok).toBe(false);
  });

  it.each([
    ['an uppercase kid', (d: DocJson) => (d.issuers[0]!.kid = String(d.issuers[0]!.kid).toUpperCase())],
    ['a kid that is not kid(publicKey)', (d: DocJson) => (d.issuers[0]!.kid = d.issuers[1]!.kid)],
    ['a 7-character kid', (d: DocJson) => (d.issuers[0]!.kid = String(d.issuers[0]!.kid).slice(1))],
    ['a 31-byte key', (d: DocJson) => (d.issuers[0]!.publicKey = toBase64url(new Uint8Array(31)))],
    ['a padded key', (d: DocJson) => (d.issuers[0]!.publicKey = `${String(d.issuers[0]!.publicKey)}=`)],
    ['a key with a base64 (not url) character', (d: DocJson) => (d.issuers[0]!.publicKey = `+${String(d.issuers[0]!.publicKey).slice(1)}`)],
    ['a negative issuer notBefore', (d: DocJson) => (d.issuers[0]!.notBefore = -1)],
    ['an uppercase device id', (d: DocJson) => (d.revokedDevices[0]!.deviceId = 'FEDCBA9876543210')],
    ['a 15-character device id', (d: DocJson) => (d.revokedDevices[0]!.deviceId = '0123456789abcde')],
    ['a fractional until', (d: DocJson) => (d.revokedDevices[0]!.until = 0.5)],
    ['issuers as an object', (d: DocJson) => ((d as Record<string, unknown>).issuers = {})],
    ['an issuer that is a string', (d: DocJson) => ((d.issuers as unknown[])[0] = 'issuer')],
    ['policy null', (d: DocJson) => ((d as Record<string, unknown>).policy = null)],
    ['a policy member −1', (d: DocJson) => (d.policy.clockSkewSeconds = -1)],
  ])('refuses %s', (_name, mutate) => {
    const result = verifyDocument(changed(mutate));
    expect(result).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
  });

  it('refuses a payload that is not strict UTF-8, not JSON, or not an object', () => {
    for (const payload of [
      Uint8Array.from([0x7b, 0xc0, 0x80, 0x7d]),
      utf8Encode('{"serial":'),
      utf8Encode('[]'),
      utf8Encode('null'),
      utf8Encode('\ufeff' + JSON.stringify(base)),
    ]) {
      const result = verifyTrustBundle(ed, asJson(sign(ed, payload, delegation)), [root.publicKey]);
      expect(result).toMatchObject({ ok: false, reason: 'bad_trust_bundle' });
    }
  });
});

describe('checkTrustAcceptance', () => {
  const candidate: TrustBundleDocument = { ...document, serial: 42, expiresAt: T, policy: { ...policy, clockSkewSeconds: 30 } };

  it('takes a first bundle when none is held', () => {
    expect(checkTrustAcceptance(null, candidate, T)).toEqual({ ok: true });
    expect(checkTrustAcceptance(null, { ...candidate, serial: 0 }, T)).toEqual({ ok: true });
  });

  it('takes only a higher serial', () => {
    expect(checkTrustAcceptance(41, candidate, T)).toEqual({ ok: true });
    expect(checkTrustAcceptance(0, candidate, T)).toEqual({ ok: true });
    expect(checkTrustAcceptance(42, candidate, T)).toEqual({ ok: false, code: 'same_serial' });
    expect(checkTrustAcceptance(43, candidate, T)).toEqual({ ok: false, code: 'rollback' });
  });

  it("expires at expiresAt + the candidate's own skew, equality passing", () => {
    expect(checkTrustAcceptance(41, candidate, T + 30)).toEqual({ ok: true });
    expect(checkTrustAcceptance(41, candidate, T + 31)).toEqual({ ok: false, code: 'expired' });
    expect(checkTrustAcceptance(null, candidate, T + 31)).toEqual({ ok: false, code: 'expired' });
    const wideSkew = { ...candidate, policy: { ...policy, clockSkewSeconds: 300 } };
    expect(checkTrustAcceptance(41, wideSkew, T + 300)).toEqual({ ok: true });
    expect(checkTrustAcceptance(41, wideSkew, T + 301)).toEqual({ ok: false, code: 'expired' });
    const noSkew = { ...candidate, policy: { ...policy, clockSkewSeconds: 0 } };
    expect(checkTrustAcceptance(41, noSkew, T)).toEqual({ ok: true });
    expect(checkTrustAcceptance(41, noSkew, T + 1)).toEqual({ ok: false, code: 'expired' });
  });

  it('does not care how early now is', () => {
    expect(checkTrustAcceptance(41, candidate, 0)).toEqual({ ok: true });
  });
});

describe('robustness', () => {
  const ed = nodeEd25519;

  const random = seededRandom(1000);
  const good = sign(ed);
  const KEYS = [
    'format', 'delegation', 'payload', 'signature', 'bundleKey', 'notBefore', 'notAfter', 'serial', 'issuedAt',
    'expiresAt', 'issuers', 'revokedDevices', 'policy', 'kid', 'publicKey', 'deviceId', 'until', '__proto__',
    'constructor', 'toString', 'x',
  ];

  function randomValue(depth: number): unknown {
    const kind = random.int(depth > 3 ? 6 : 9);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return random.float() < 0.5;
      case 2:
        return random.pick([0, 1, -1, 0.5, 2 ** 53, 2 ** 53 - 1, -0, 1e308, Number.NaN, Number.POSITIVE_INFINITY, T]);
      case 3:
        return random.pick(['', 'tegata-trust/1', 'AAAA', '====', '\ud800', good.payload, good.signature, good.delegation.payload]);
      case 4:
        return toBase64url(random.bytes(random.pick([0, 1, 31, 32, 63, 64, 65])));
      case 5:
        return toBase64url(utf8Encode(JSON.stringify(randomValue(depth + 1)) ?? 'null'));
      case 6:
        return Array.from({ length: random.int(4) }, () => randomValue(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        const count = random.int(5);
        for (let i = 0; i < count; i++) out[random.pick(KEYS)] = randomValue(depth + 1);
        return out;
      }
    }
  }

  /** Sets or deletes one random member somewhere in a JSON tree. */
  function mutate(value: unknown): unknown {
    const copy = structuredClone(value) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (;;) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = random.pick(keys);
      const child = node[key];
      if (typeof child === 'object' && child !== null && random.float() < 0.6) {
        node = child as Record<string, unknown>;
        continue;
      }
      const roll = random.float();
      if (roll < 0.2) delete node[key];
      else if (roll < 0.3 && typeof child === 'string' && child.length > 0) {
        const at = random.int(child.length);
        node[key] = child.slice(0, at) + random.pick(['A', '_', '-', '=', '+', 'é']) + child.slice(at + 1);
      } else node[key] = randomValue(2);
      break;
    }
    return copy;
  }

  function expectResult(run: () => TrustBundleResult): TrustBundleResult {
    let result: TrustBundleResult | undefined;
    expect(() => {
      result = run();
    }).not.toThrow();
    if (result!.ok) expect(result!.bundle.document).toBeDefined();
    else {
      expect(result!.reason).toBe('bad_trust_bundle');
      expect(typeof result!.detail).toBe('string');
    }
    return result!;
  }

  it('never throws on 1,000 random JSON-ish values', () => {
    for (let i = 0; i < 1000; i++) {
      let value = randomValue(0);
      if (i % 2 === 0) {
        // An envelope of the right shape with random parts, so parsing goes deeper.
        value = {
          format: random.float() < 0.9 ? 'tegata-trust/1' : randomValue(1),
          delegation: random.float() < 0.5 ? good.delegation : { payload: randomValue(1), signature: randomValue(1) },
          payload: random.float() < 0.5 ? good.payload : randomValue(1),
          signature: random.float() < 0.5 ? good.signature : randomValue(1),
        };
      }
      expectResult(() => verifyTrustBundle(ed, value, [root.publicKey]));
      expectResult(() => readTrustBundleUnverified(value));
    }
  });

  it('never throws on mutated bundles, including correctly re-signed mutated documents and delegations', () => {
    const docJson = JSON.parse(Buffer.from(encodeTrustDocument(document)).toString('utf8')) as unknown;
    const delegationJson = JSON.parse(Buffer.from(fromBase64url(good.delegation.payload)!).toString('utf8')) as unknown;
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      let bundle: unknown;
      switch (i % 3) {
        case 0:
          bundle = mutate(good);
          break;
        case 1:
          bundle = sign(ed, utf8Encode(JSON.stringify(mutate(docJson))));
          break;
        default: {
          const payload = utf8Encode(JSON.stringify(mutate(delegationJson)));
          const signature = ed.sign(root.seed, new Uint8Array([...Buffer.from('tegata/delegate/v1'), ...payload]));
          bundle = sign(ed, document, { payload: toBase64url(payload), signature: toBase64url(signature) });
        }
      }
      const verified = expectResult(() => verifyTrustBundle(ed, asJson(bundle), [root.publicKey]));
      expectResult(() => readTrustBundleUnverified(asJson(bundle)));
      if (verified.ok) accepted++;
    }
    // Some mutations are harmless (a changed unknown member, a still-valid number); most are not.
    expect(accepted).toBeLessThan(600);
  });
});
