import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { tweetnaclEd25519 } from '../crypto/ed25519Tweetnacl.js';
import { nodeEd25519 } from '../node/ed25519Node.js';
import {
  REQUEST_TIME_WINDOW_MS,
  readSignedRequestHeaders,
  requestSigningInput,
  signRequest,
  verifySignedRequest,
  type LowercaseHeaders,
  type PrincipalKey,
  type RequestToSign,
  type SignedRequestKind,
  type SignedRequestToVerify,
} from './signedRequest.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const OTHER_SEED = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
const PUBLIC_KEY_B64URL = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ';
const NOW = 1_764_115_200_123;
const BODY_TEXT = '{"saleId":"s1","amount":1200}';

const terminalRequest: RequestToSign = {
  method: 'POST',
  target: '/v1/terminal/authorize',
  timestampMs: NOW,
  principalId: 'term-01_A',
  body: new Uint8Array(Buffer.from(BODY_TEXT, 'utf8')),
};

const deviceRequest: RequestToSign = {
  method: 'GET',
  target: '/v1/wallet?limit=20&after=x',
  timestampMs: NOW,
  principalId: '0123456789abcdef',
  body: new Uint8Array(0),
};

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function lowercase(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Independent check with node:crypto directly (no wrapper, no prechecks). */
function nodeCryptoVerifies(message: Uint8Array, signatureB64url: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: PUBLIC_KEY_B64URL }, format: 'jwk' });
  return nodeVerify(null, message, key, Buffer.from(signatureB64url, 'base64url'));
}

function keys(entries: Record<string, PrincipalKey>): (id: string) => PrincipalKey | undefined {
  return (id) => entries[id];
}

const goodKey: PrincipalKey = { publicKey: nodeEd25519.publicKeyFromSeed(SEED), revoked: false };

function verifyInput(
  kind: SignedRequestKind,
  req: RequestToSign,
  overrides: Partial<SignedRequestToVerify> = {},
): SignedRequestToVerify {
  return {
    kind,
    method: req.method,
    target: req.target,
    headers: lowercase(signRequest(nodeEd25519, SEED, kind, req)),
    body: req.body,
    nowMs: req.timestampMs,
    lookupKey: keys({ [req.principalId]: goodKey }),
    ...overrides,
  };
}

describe('golden values (any change to the byte layout must fail here)', () => {
  it('terminal request: exact signing input, body hash and signature', () => {
    const bodyHash = sha256Hex(BODY_TEXT);
    expect(bodyHash).toBe('88ea89afda4edda676ace0355b7a9ed3102e5dae20b88974ba828b05efa48e77');
    const expected = `tegata/req/v1\nPOST\n/v1/terminal/authorize\n1764115200123\nterm-01_A\n${bodyHash}`;
    expect(text(requestSigningInput('terminal', terminalRequest))).toBe(expected);

    const headers = signRequest(nodeEd25519, SEED, 'terminal', terminalRequest);
    expect(headers).toEqual({
      'Tegata-Terminal': 'term-01_A',
      'Tegata-Timestamp': '1764115200123',
      'Tegata-Signature': 'GpNk7R9V67jRcPsXrcJ-PRWNvPvF4Oby0lHK8unBIZ76mmAipEVuFNMxdlhFOjupr5-2ukWnKpzGLHNdyvurAw',
    });
    expect(signRequest(tweetnaclEd25519, SEED, 'terminal', terminalRequest)).toEqual(headers);
    expect(nodeCryptoVerifies(new Uint8Array(Buffer.from(expected, 'utf8')), headers['Tegata-Signature'])).toBe(true);
  });

  it('device request: devreq prefix, query string kept verbatim, empty body hashes the empty string', () => {
    const emptyHash = sha256Hex('');
    expect(emptyHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const expected = `tegata/devreq/v1\nGET\n/v1/wallet?limit=20&after=x\n1764115200123\n0123456789abcdef\n${emptyHash}`;
    expect(text(requestSigningInput('device', deviceRequest))).toBe(expected);

    const headers = signRequest(nodeEd25519, SEED, 'device', deviceRequest);
    expect(headers).toEqual({
      'Tegata-Device': '0123456789abcdef',
      'Tegata-Timestamp': '1764115200123',
      'Tegata-Signature': 'juRoI1Y7-bGucvX6XtKruuNe97J86GhEvEGXghQTvDpYzOuOupJu0T1p9aCbKbKQZfeqwEqQvXy2ovupEaZTAA',
    });
    expect(nodeCryptoVerifies(new Uint8Array(Buffer.from(expected, 'utf8')), headers['Tegata-Signature'])).toBe(true);
  });

  it('the public key of the fixed seed', () => {
    expect(Buffer.from(nodeEd25519.publicKeyFromSeed(SEED)).toString('base64url')).toBe(PUBLIC_KEY_B64URL);
  });
});

describe('requestSigningInput programmer errors', () => {
  it.each([
    ['lowercase method', { method: 'post' }],
    ['empty method', { method: '' }],
    ['method with a newline', { method: 'POST\nX' }],
    ['target with a space', { target: '/v1/a b' }],
    ['target with a newline', { target: '/v1/a\nPOST' }],
    ['non-ASCII target', { target: '/v1/café' }],
    ['empty target', { target: '' }],
    ['negative timestamp', { timestampMs: -1 }],
    ['fractional timestamp', { timestampMs: 1.5 }],
    ['unsafe timestamp', { timestampMs: 2 ** 53 }],
    ['bad terminal id', { principalId: 'a b' }],
    ['terminal id of 65 characters', { principalId: 'a'.repeat(65) }],
  ])('throws RangeError on %s', (_name, change) => {
    expect(() => requestSigningInput('terminal', { ...terminalRequest, ...change })).toThrow(RangeError);
  });

  it('accepts every uppercase token method, such as M-SEARCH', () => {
    expect(text(requestSigningInput('terminal', { ...terminalRequest, method: 'M-SEARCH' }))).toContain('\nM-SEARCH\n');
  });

  it('requires 16 lowercase hex characters for a device id', () => {
    expect(() => requestSigningInput('device', { ...deviceRequest, principalId: '0123456789ABCDEF' })).toThrow(RangeError);
    expect(() => requestSigningInput('device', { ...deviceRequest, principalId: 'term-01_A' })).toThrow(RangeError);
  });
});

describe('verifySignedRequest round trips', () => {
  it.each([
    ['node signs, tweetnacl verifies', nodeEd25519, tweetnaclEd25519],
    ['tweetnacl signs, node verifies', tweetnaclEd25519, nodeEd25519],
  ])('%s', (_name, signer, verifier) => {
    for (const [kind, req] of [
      ['terminal', terminalRequest],
      ['device', deviceRequest],
    ] as const) {
      const headers = lowercase(signRequest(signer, SEED, kind, req));
      const result = verifySignedRequest(verifier, { ...verifyInput(kind, req), headers });
      expect(result).toEqual({ ok: true, principalId: req.principalId, timestampMs: NOW });
    }
  });

  it('accepts single-element arrays (Node headersDistinct)', () => {
    const base = verifyInput('terminal', terminalRequest);
    const headers = Object.fromEntries(Object.entries(base.headers).map(([k, v]) => [k, [v as string]]));
    expect(verifySignedRequest(nodeEd25519, { ...base, headers }).ok).toBe(true);
  });

  it('ignores unrelated headers and header order', () => {
    const base = verifyInput('terminal', terminalRequest);
    const headers = { 'content-type': 'application/json', ...base.headers, 'tegata-device': 'ffffffffffffffff' };
    expect(verifySignedRequest(nodeEd25519, { ...base, headers }).ok).toBe(true);
  });
});

describe('verifySignedRequest failure codes', () => {
  const names = ['tegata-terminal', 'tegata-timestamp', 'tegata-signature'];

  it.each(names)('missing_headers when %s is absent, empty or an empty list', (name) => {
    const base = verifyInput('terminal', terminalRequest);
    for (const value of [undefined, '', []]) {
      const headers: LowercaseHeaders = { ...base.headers, [name]: value };
      expect(verifySignedRequest(nodeEd25519, { ...base, headers })).toEqual({
        ok: false,
        code: 'missing_headers',
        header: name,
      });
    }
  });

  it('missing_headers for a device request that carries only the terminal header', () => {
    const base = verifyInput('device', deviceRequest);
    const headers = { ...base.headers, 'tegata-terminal': deviceRequest.principalId, 'tegata-device': undefined };
    expect(verifySignedRequest(nodeEd25519, { ...base, headers })).toMatchObject({
      code: 'missing_headers',
      header: 'tegata-device',
    });
  });

  const validSignature = signRequest(nodeEd25519, SEED, 'terminal', terminalRequest)['Tegata-Signature'];
  it.each([
    ['tegata-terminal', 'term 01'],
    ['tegata-terminal', 'a'.repeat(65)],
    ['tegata-terminal', 'térm'],
    ['tegata-terminal', ['term-01_A', 'term-01_A']],
    ['tegata-timestamp', '01764115200123'],
    ['tegata-timestamp', '-1'],
    ['tegata-timestamp', '+1764115200123'],
    ['tegata-timestamp', '1764115200123.0'],
    ['tegata-timestamp', '1.764e12'],
    ['tegata-timestamp', ' 1764115200123'],
    ['tegata-timestamp', '0x19ac'],
    ['tegata-timestamp', '9007199254740992'],
    ['tegata-timestamp', '1'.repeat(400)],
    ['tegata-timestamp', '1764115200123, 1764115200123'],
    ['tegata-signature', `${validSignature}==`],
    ['tegata-signature', validSignature.slice(0, 85)],
    ['tegata-signature', `${validSignature}A`],
    ['tegata-signature', validSignature.replace(/-/g, '+').replace(/_/g, '/')],
    ['tegata-signature', `${validSignature.slice(0, 85)}B`], // non-zero trailing bits
    ['tegata-signature', Buffer.from(validSignature, 'base64url').toString('hex')],
  ])('malformed_headers: %s = %j', (name, value) => {
    const base = verifyInput('terminal', terminalRequest);
    const lookupKey = vi.fn(base.lookupKey);
    const result = verifySignedRequest(nodeEd25519, { ...base, lookupKey, headers: { ...base.headers, [name]: value } });
    expect(result).toEqual({ ok: false, code: 'malformed_headers', header: name });
    expect(lookupKey).not.toHaveBeenCalled();
  });

  it.each(['0123456789ABCDEF', '0123456789abcde', '0123456789abcdef0', 'term-01_A'])(
    'malformed_headers for device id %j',
    (id) => {
      const base = verifyInput('device', deviceRequest);
      expect(verifySignedRequest(nodeEd25519, { ...base, headers: { ...base.headers, 'tegata-device': id } })).toEqual({
        ok: false,
        code: 'malformed_headers',
        header: 'tegata-device',
      });
    },
  );

  it.each([
    [0, true],
    [300_000, true],
    [-300_000, true],
    [300_001, false],
    [-300_001, false],
  ])('the window: server clock %i ms from the timestamp passes = %s', (delta, passes) => {
    const base = verifyInput('terminal', terminalRequest, { nowMs: NOW + delta });
    const result = verifySignedRequest(nodeEd25519, base);
    if (passes) expect(result.ok).toBe(true);
    else
      expect(result).toEqual({
        ok: false,
        code: 'timestamp_out_of_window',
        principalId: 'term-01_A',
        timestampMs: NOW,
        serverTimeMs: NOW + delta,
      });
  });

  it('honours a custom window and the default is 300 s', () => {
    expect(REQUEST_TIME_WINDOW_MS).toBe(300_000);
    const tight = verifyInput('terminal', terminalRequest, { nowMs: NOW + 1001, windowMs: 1000 });
    expect(verifySignedRequest(nodeEd25519, tight)).toMatchObject({ code: 'timestamp_out_of_window' });
    expect(verifySignedRequest(nodeEd25519, { ...tight, nowMs: NOW + 1000 }).ok).toBe(true);
  });

  it('checks the window before the store, so a stale request never reveals whether its id exists', () => {
    const lookupKey = vi.fn(() => undefined);
    const base = verifyInput('terminal', terminalRequest, { nowMs: NOW + 400_000, lookupKey });
    expect(verifySignedRequest(nodeEd25519, base)).toMatchObject({ code: 'timestamp_out_of_window' });
    expect(lookupKey).not.toHaveBeenCalled();
  });

  it('unknown_principal', () => {
    const lookupKey = vi.fn(() => undefined);
    const base = verifyInput('terminal', terminalRequest, { lookupKey });
    expect(verifySignedRequest(nodeEd25519, base)).toEqual({
      ok: false,
      code: 'unknown_principal',
      principalId: 'term-01_A',
    });
    expect(lookupKey).toHaveBeenCalledWith('term-01_A');
  });

  it('revoked_principal only after the signature verifies', () => {
    const revoked = keys({ 'term-01_A': { ...goodKey, revoked: true } });
    const base = verifyInput('terminal', terminalRequest, { lookupKey: revoked });
    expect(verifySignedRequest(nodeEd25519, base)).toEqual({
      ok: false,
      code: 'revoked_principal',
      principalId: 'term-01_A',
    });
    expect(verifySignedRequest(nodeEd25519, { ...base, body: new Uint8Array([1]) })).toMatchObject({
      code: 'bad_signature',
    });
  });

  const tamperings: [string, (input: SignedRequestToVerify) => SignedRequestToVerify][] = [
    ['method', (i) => ({ ...i, method: 'PUT' })],
    ['target', (i) => ({ ...i, target: '/v1/terminal/authorize?x=1' })],
    ['target (non-ASCII)', (i) => ({ ...i, target: '/v1/terminal/authorizé' })],
    ['body', (i) => ({ ...i, body: new Uint8Array(Buffer.from(BODY_TEXT.replace('1200', '9200'))) })],
    ['body (emptied)', (i) => ({ ...i, body: new Uint8Array(0) })],
    ['timestamp', (i) => ({ ...i, headers: { ...i.headers, 'tegata-timestamp': String(NOW + 1) } })],
    [
      'principal (another known id)',
      (i) => ({ ...i, headers: { ...i.headers, 'tegata-terminal': 'term-02' }, lookupKey: () => goodKey }),
    ],
    ['key', (i) => ({ ...i, lookupKey: () => ({ publicKey: nodeEd25519.publicKeyFromSeed(OTHER_SEED), revoked: false }) })],
    ['key (not 32 bytes)', (i) => ({ ...i, lookupKey: () => ({ publicKey: new Uint8Array(31), revoked: false }) })],
    [
      'signature',
      (i) => {
        const sig = Buffer.from(i.headers['tegata-signature'] as string, 'base64url');
        sig[10] = (sig[10] ?? 0) ^ 1;
        return { ...i, headers: { ...i.headers, 'tegata-signature': sig.toString('base64url') } };
      },
    ],
  ];
  it.each(tamperings)('bad_signature when the %s changes', (_name, tamper) => {
    for (const ed of [nodeEd25519, tweetnaclEd25519]) {
      expect(verifySignedRequest(ed, tamper(verifyInput('terminal', terminalRequest)))).toMatchObject({
        ok: false,
        code: 'bad_signature',
      });
    }
  });

  it('domain separation: a device signature never verifies as a terminal request', () => {
    // A device id is also a valid terminal id, so only the prefix tells the two apart.
    const deviceHeaders = signRequest(nodeEd25519, SEED, 'device', deviceRequest);
    const asTerminal = verifyInput('terminal', deviceRequest, {
      headers: {
        'tegata-terminal': deviceHeaders['Tegata-Device'],
        'tegata-timestamp': deviceHeaders['Tegata-Timestamp'],
        'tegata-signature': deviceHeaders['Tegata-Signature'],
      },
    });
    expect(verifySignedRequest(nodeEd25519, asTerminal)).toMatchObject({ code: 'bad_signature' });
  });

  it('throws RangeError on programmer errors (bad clock, window or method)', () => {
    const base = verifyInput('terminal', terminalRequest);
    expect(() => verifySignedRequest(nodeEd25519, { ...base, nowMs: Number.NaN })).toThrow(RangeError);
    expect(() => verifySignedRequest(nodeEd25519, { ...base, windowMs: -1 })).toThrow(RangeError);
    expect(() => verifySignedRequest(nodeEd25519, { ...base, method: 'post' })).toThrow(RangeError);
  });
});

describe('readSignedRequestHeaders', () => {
  it('parses without touching a clock or a store', () => {
    const headers = lowercase(signRequest(nodeEd25519, SEED, 'device', deviceRequest));
    const parsed = readSignedRequestHeaders('device', headers);
    expect(parsed).toMatchObject({ ok: true, principalId: '0123456789abcdef', timestampMs: NOW });
    if (parsed.ok) expect(parsed.signature).toHaveLength(64);
  });

  it('accepts timestamp 0 and the largest safe integer', () => {
    const headers = lowercase(signRequest(nodeEd25519, SEED, 'device', deviceRequest));
    for (const ts of ['0', String(Number.MAX_SAFE_INTEGER)]) {
      expect(readSignedRequestHeaders('device', { ...headers, 'tegata-timestamp': ts })).toMatchObject({ ok: true });
    }
  });
});
