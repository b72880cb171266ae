import { sha256, toBase64url, toHex } from '@tegata/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, enrollmentCode, TestTerminal } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';
import { containing, like } from './matchers.js';

// Small-order point (order 8) and a non-canonical encoding (y = p): both verify nothing.
const SMALL_ORDER = new Uint8Array([
  0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
]);
const NON_CANONICAL = Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f]);

describe.each(TEST_DIALECTS)('stores and enrollment on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { enrollment: { maxFailuresPerIp: 4, failureWindowSeconds: 600, codeTtlSeconds: 7200 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses the admin API without the admin token', async () => {
    const none = await t.request('POST', '/v1/admin/stores', { body: { name: 'x' } });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'unauthorized' });
    const wrong = await t.request('GET', '/v1/admin/terminals', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('issues 80-bit enrollment codes with the root fingerprint', async () => {
    const storeId = await createStore(t, 'Ginza');
    const first = await enrollmentCode(t, storeId);
    const second = await enrollmentCode(t, storeId);
    expect(first.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/); // 16 × 5 bits
    expect(first.code).not.toBe(second.code);
    const keys = await t.admin<{ root: { publicKey: string; fingerprint: string } }>('GET', '/v1/admin/keys');
    const rootKey = Buffer.from(keys.root.publicKey, 'base64url');
    expect(first.rootFingerprint.replaceAll(' ', '')).toBe(toHex(sha256(rootKey)));
    expect(first.rootFingerprint).toBe(keys.root.fingerprint);

    const missing = await t.request('POST', '/v1/admin/stores/sto_nope/enrollment-codes', { admin: true });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'store_not_found' });
  });

  it('enrolls a terminal once per code and hands it the root key and a verifiable bundle', async () => {
    const storeId = await createStore(t);
    const { code } = await enrollmentCode(t, storeId);
    const terminal = new TestTerminal(t);
    const enrolled = await terminal.enroll(code.toLowerCase().replaceAll('-', ' ')); // case and separators do not matter
    expect(enrolled.status).toBe(201);
    expect(terminal.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(terminal.storeId).toBe(storeId);
    expect(terminal.trust?.serial).toBeGreaterThanOrEqual(1); // acceptBundle verified it against rootPublicKey

    const again = await new TestTerminal(t).enroll(code);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'invalid_enrollment_code' });

    const listed = await t.admin<{ terminals: { id: string; status: string; storeId: string }[] }>('GET', `/v1/admin/terminals?store=${storeId}`);
    expect(listed.terminals).toEqual([expect.objectContaining({ id: terminal.id, status: 'active', storeId })]);
  });

  it('refuses a key already enrolled, small-order and non-canonical keys, and keeps the code', async () => {
    const storeId = await createStore(t);
    const existing = await TestTerminal.enrolled(t, storeId);
    const { code } = await enrollmentCode(t, storeId);
    const reuse = await new TestTerminal(t, existing.seed).enroll(code);
    expect(reuse.status).toBe(409);
    expect(reuse.body).toMatchObject({ code: 'public_key_in_use' });
    for (const key of [SMALL_ORDER, NON_CANONICAL, new Uint8Array(32)]) {
      const response = await t.request('POST', '/v1/terminals/enroll', { body: { code, publicKey: toBase64url(key), name: 'x' } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'unacceptable_public_key' });
    }
    // None of these used the code up.
    expect((await new TestTerminal(t).enroll(code)).status).toBe(201);
  });

  it('validates the body and answers malformed or truncated JSON with a problem', async () => {
    const missing = await t.request('POST', '/v1/terminals/enroll', { body: { code: 'x' } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'invalid_request', errors: containing([like({ path: 'publicKey' })]) });
    const truncated = await t.request('POST', '/v1/terminals/enroll', { body: '{"code": "ABCD-', headers: { 'content-type': 'application/json' } });
    expect(truncated.status).toBe(400);
    expect(truncated.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await truncated.json()).toMatchObject({ code: 'malformed_json' });
    const empty = await t.request('POST', '/v1/terminals/enroll', { headers: { 'content-type': 'application/json' } });
    expect(await empty.json()).toMatchObject({ code: 'invalid_request' });
    const text = await t.request('POST', '/v1/terminals/enroll', { body: 'code=1', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('expires codes after two hours', async () => {
    const storeId = await createStore(t);
    const { code } = await enrollmentCode(t, storeId);
    t.clock.advance(7200_000 + 1);
    const late = await new TestTerminal(t).enroll(code);
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ code: 'invalid_enrollment_code' });
  });

  // Last: it exhausts this client's attempts.
  it('rate-limits failed attempts per client, even for a good code afterwards', async () => {
    const storeId = await createStore(t);
    const { code } = await enrollmentCode(t, storeId);
    t.clock.advance(600_000); // a fresh window
    for (let i = 0; i < 4; i++) {
      const wrong = await new TestTerminal(t).enroll('AAAA-BBBB-CCCC-DDDD');
      expect(wrong.status).toBe(400);
    }
    const limited = await new TestTerminal(t).enroll(code);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    t.clock.advance(600_000);
    expect((await new TestTerminal(t).enroll(code)).status).toBe(201);
  });
});
