/**
 * Step 3 of issue 5: password reset (two codes, or the SMS code and the bound phone; sessions
 * end; every channel told; a cool-down with zero offline limits), the wallet, and top-ups with
 * velocity limits and a simulated 3-D Secure challenge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_3DS_PASS } from '../src/domain/wallet/testCardGateway.js';
import { TEST_DIALECTS } from './databases.js';
import { ageDevice, bindPhone, call, freshContacts, latestCode, logIn, outbox, signUp, tryBind, type SignedUp } from './customers.js';
import { startTestBackend, type TestBackend } from './harness.js';
import { expectLedgerBalanced } from './ledgerCheck.js';

const HOUR = 3_600_000;
const NEW_PASSWORD = 'a brand new passphrase';

describe.each(TEST_DIALECTS)('password reset on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  const credit = (accountId: string, amount: number) => t.admin('POST', `/v1/admin/accounts/${accountId}/credit`, { amount });

  async function requestCodes(who: SignedUp): Promise<{ smsCode: string; emailCode: string }> {
    expect((await call(t, 'POST', '/v1/password-resets', { body: { login: who.email } })).status).toBe(202);
    return { smsCode: await latestCode(t, who.phone), emailCode: await latestCode(t, who.email) };
  }

  it('needs both codes, ends every session and pending login, tells both channels, and opens a cool-down', async () => {
    const who = await signUp(t);
    await credit(who.accountId, 20_000);
    const before = await logIn(t, who);
    const pending = await call<{ challengeId: string }>(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password } });
    const pendingCode = await latestCode(t, who.phone);

    const codes = await requestCodes(who);
    expect((await outbox(t, who.phone))[0]?.text).toMatch(/password reset code is [0-9]{6}.*your password is unchanged/);
    const oneWrong = await call(t, 'POST', '/v1/password-resets/confirm', {
      body: { login: who.email, smsCode: codes.smsCode, emailCode: codes.smsCode, newPassword: NEW_PASSWORD },
    });
    expect(oneWrong).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    const done = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: who.email, ...codes, newPassword: NEW_PASSWORD } });
    expect(done.status).toBe(204);

    expect((await call(t, 'GET', '/v1/sessions/current', { token: before.sessionToken })).status).toBe(401);
    expect((await call(t, 'POST', '/v1/sessions/verify', { body: { challengeId: pending.body.challengeId, code: pendingCode } })).status).toBe(401);
    expect((await outbox(t, who.phone))[0]?.text).toMatch(/password was reset .* For 48 hours a newly bound phone cannot pay offline/);
    expect((await outbox(t, who.email))[0]?.text).toMatch(/password was reset/);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.email, password: who.password } })).status).toBe(401);

    // A phone bound during the cool-down gets certificates with zero offline limits …
    const renewed = { ...who, password: NEW_PASSWORD };
    const { key, bound } = await bindPhone(t, renewed);
    expect(bound).toMatchObject({ perPaymentLimit: 0, cumulativeLimit: 0 });
    // … until it ends: the renewal in the last quarter (54 h) is after the 48 h.
    t.clock.set((bound.notBefore + 54 * 3600) * 1000);
    const later = await key.signed<{ perPaymentLimit: number }>(t, 'POST', `/v1/devices/${key.deviceId}/certificate`);
    expect(later.body.perPaymentLimit).toBe(10_000);
  });

  it('with the bound phone confirming (SMS code + device signature) there is no cool-down', async () => {
    const who = await signUp(t);
    await credit(who.accountId, 20_000);
    const { key } = await bindPhone(t, who);
    // Issue 17: only a phone bound at least the hold (48 h) ago confirms anything.
    await ageDevice(t, key.deviceId, 48 * HOUR);
    const { smsCode } = await requestCodes(who);
    const confirm = await key.signed(t, 'POST', '/v1/password-resets/confirm', { login: who.phone, smsCode, newPassword: NEW_PASSWORD });
    expect(confirm.status).toBe(204);
    expect((await outbox(t, who.email))[0]?.text).not.toMatch(/cannot pay offline/);
    // Issue 17: the replacement is signed by that phone; point 6: the old certificate's limit
    // still counts, so the wallet needs more than it.
    await credit(who.accountId, 20_000);
    const next = await tryBind(t, { ...who, password: NEW_PASSWORD }, { signer: key, name: 'new phone' });
    expect(next.reply.body.perPaymentLimit).toBe(10_000);
  });

  it('answers an unknown login the same way and sends nothing; takes no destination', async () => {
    const who = await signUp(t);
    const stranger = freshContacts();
    const known = await call(t, 'POST', '/v1/password-resets', { body: { login: who.phone } });
    const unknown = await call(t, 'POST', '/v1/password-resets', { body: { login: stranger.phone } });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(unknown.body).toEqual(known.body);
    expect(await outbox(t, stranger.phone)).toEqual([]);
    const elsewhere = await call(t, 'POST', '/v1/password-resets', { body: { login: who.phone, email: stranger.email } });
    expect(elsewhere).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await outbox(t, stranger.email)).toEqual([]);
    const confirm = await call(t, 'POST', '/v1/password-resets/confirm', {
      body: { login: stranger.phone, smsCode: '123456', emailCode: '123456', newPassword: NEW_PASSWORD },
    });
    expect(confirm.body).toMatchObject({ code: 'invalid_code' });
  });

  it('refuses a new password that is weak or the account’s other address, once the codes are right', async () => {
    const who = await signUp(t);
    const codes = await requestCodes(who);
    const weak = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: who.email, ...codes, newPassword: 'iloveyou' } });
    expect(weak.body).toMatchObject({ code: 'weak_password', reason: 'common' });
    const phone = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: who.email, ...codes, newPassword: who.phone } });
    expect(phone.body).toMatchObject({ code: 'weak_password', reason: 'matches_contact' });
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: who.email, ...codes, newPassword: NEW_PASSWORD } })).status).toBe(204);
  });
});

describe.each(TEST_DIALECTS)('wallet and top-ups on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, {
      config: { messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 }, topups: { maxCountPerHour: 3, maxAmountPerHour: 30_000, maxAmountPerDay: 40_000 } },
    });
  });
  afterAll(async () => {
    await expectLedgerBalanced(t.backend.db);
    await t.close();
  });

  it('shows the wallet to a full or restricted session and to the bound phone', async () => {
    const who = await signUp(t);
    await t.admin('POST', `/v1/admin/accounts/${who.accountId}/credit`, { amount: 1234 });
    const { key, grant } = await bindPhone(t, who);
    const restricted = await logIn(t, who, 'email');
    for (const token of [grant.sessionToken, restricted.sessionToken]) {
      const wallet = await call(t, 'GET', '/v1/wallet', { token });
      expect(wallet.body).toEqual({ balance: 1234, currency: 392, transactions: [{ id: expect.any(String) as unknown, kind: 'credit', amount: 1234, createdAt: t.clock.nowMs() }] });
    }
    expect((await key.signed(t, 'GET', '/v1/wallet')).body).toMatchObject({ balance: 1234 });
    expect((await call(t, 'GET', '/v1/wallet')).status).toBe(401);
  });

  it('tops up by card, through a 3-D Secure challenge when the issuer asks', async () => {
    const who = await signUp(t);
    const { sessionToken: token } = await logIn(t, who);
    const frictionless = await call(t, 'POST', '/v1/wallet/topups', { token, body: { amount: 1000, cardToken: 'tok_test_frictionless' } });
    expect(frictionless).toMatchObject({ status: 201, body: { status: 'succeeded', amount: 1000, balance: 1000 } });

    const challenged = await call<{ topupId: string; challenge: { prompt: string } }>(t, 'POST', '/v1/wallet/topups', {
      token,
      body: { amount: 2000, cardToken: 'tok_test_3ds' },
    });
    expect(challenged).toMatchObject({ status: 202, body: { status: 'challenge_required' } });
    expect(challenged.body.challenge.prompt).toContain(TEST_3DS_PASS);
    const answered = await call(t, 'POST', `/v1/wallet/topups/${challenged.body.topupId}/challenge`, { token, body: { response: TEST_3DS_PASS } });
    expect(answered).toMatchObject({ status: 201, body: { status: 'succeeded', balance: 3000 } });
    expect((await call(t, 'POST', `/v1/wallet/topups/${challenged.body.topupId}/challenge`, { token, body: { response: TEST_3DS_PASS } })).status).toBe(409);

    const failing = await call<{ topupId: string }>(t, 'POST', '/v1/wallet/topups', { token, body: { amount: 500, cardToken: 'tok_test_3ds' } });
    const wrong = await call(t, 'POST', `/v1/wallet/topups/${failing.body.topupId}/challenge`, { token, body: { response: '000000' } });
    expect(wrong).toMatchObject({ status: 402, body: { code: 'card_declined', reason: 'authentication_failed' } });
    expect((await call(t, 'GET', '/v1/wallet', { token })).body).toMatchObject({ balance: 3000 });
    expect((await outbox(t, who.email))[0]?.text).toMatch(/topped up with 2000/);
  });

  it('refuses declined cards, restricted sessions, and amounts outside the range', async () => {
    const who = await signUp(t);
    const { sessionToken: token } = await logIn(t, who);
    expect((await call(t, 'POST', '/v1/wallet/topups', { token, body: { amount: 1000, cardToken: 'tok_test_declined' } })).body).toMatchObject({
      code: 'card_declined',
      reason: 'card_declined',
    });
    expect((await call(t, 'POST', '/v1/wallet/topups', { token, body: { amount: 50, cardToken: 'tok_test_frictionless' } })).body).toMatchObject({ code: 'invalid_amount' });
    const restricted = await logIn(t, who, 'email');
    expect((await call(t, 'POST', '/v1/wallet/topups', { token: restricted.sessionToken, body: { amount: 1000, cardToken: 'tok_test_frictionless' } })).body).toMatchObject({
      code: 'restricted_session',
    });
  });

  it('holds top-ups to velocity limits per hour and per day, concurrent requests included', async () => {
    const who = await signUp(t);
    const { sessionToken: token } = await logIn(t, who);
    const topUp = (amount: number) => call(t, 'POST', '/v1/wallet/topups', { token, body: { amount, cardToken: 'tok_test_frictionless' } });
    const burst = await Promise.all([topUp(5000), topUp(5000), topUp(5000), topUp(5000), topUp(5000)]);
    expect(burst.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429]);
    const limited = burst.find((r) => r.status === 429);
    expect(limited?.body).toMatchObject({ code: 'topup_limit' });
    expect(limited?.headers.get('retry-after')).toBe('3600');
    // An hour passes, the session kept alive (it ends after an hour idle).
    const anHour = async () => {
      t.clock.advance(HOUR / 2);
      await call(t, 'GET', '/v1/wallet', { token });
      t.clock.advance(HOUR / 2);
    };
    await anHour();
    expect((await topUp(20_000)).status).toBe(201); // 35,000 today
    await anHour();
    expect((await topUp(10_000)).body).toMatchObject({ code: 'topup_limit' }); // would be 45,000 in 24 h
    expect((await topUp(5000)).status).toBe(201);
    expect((await call(t, 'GET', '/v1/wallet', { token })).body).toMatchObject({ balance: 40_000 });
  });
});
