/**
 * Adversarial: taking over a customer's wallet the ways 7pay allowed, and their neighbours.
 * - The 2019 reset attack: knowing the e-mail, phone number and birth date, have a reset code or
 *   link sent anywhere else → there is no way to; the customer hears of every attempt.
 * - SIM swap: with the SMS code alone (the e-mail code guessed) → no reset; and a phone bound
 *   after a reset (had the attacker got both codes) cannot pay during the cool-down.
 * - A device key copied to another phone after its device was revoked → renewal refused, and
 *   tokens declined (`device_revoked`) online and offline from the next trust bundle on.
 */
import { createTokenVerifier, fromBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestTerminal } from '../actors.js';
import { TEST_DIALECTS } from '../databases.js';
import { bindPhone, call, freshContacts, latestCode, logIn, outbox, signUp, tryBind, useClientIp } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const ATTACKER = { phone: '+447700900123', email: 'attacker@evil.test' };

describe.each(TEST_DIALECTS)('account takeover on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { trustProxy: true, messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 } } });
  });
  afterAll(async () => {
    useClientIp(undefined);
    await t.close();
  });
  let test = 0;
  beforeEach(() => {
    test++;
    useClientIp(`192.0.2.${test}`);
  });

  it('the 2019 reset attack: knowledge sends nothing anywhere else, and the customer hears of each try', async () => {
    const victim = await signUp(t);
    const knowledge = { email: victim.email, phone: victim.phone, birthDate: '1990-04-01' };
    const tries = [
      { login: victim.email, ...knowledge },
      { login: victim.email, email: ATTACKER.email },
      { login: victim.phone, phone: ATTACKER.phone },
      { login: victim.email, sendTo: ATTACKER.email, redirectUrl: 'https://evil.test/reset' },
      { login: ATTACKER.email },
    ];
    for (const body of tries) {
      const reply = await call(t, 'POST', '/v1/password-resets', { body });
      expect([400, 202]).toContain(reply.status);
    }
    expect(await outbox(t, ATTACKER.email)).toEqual([]);
    expect(await outbox(t, ATTACKER.phone)).toEqual([]);
    // The one well-formed request about the victim went to the victim, on both channels, saying so.
    const plain = await call(t, 'POST', '/v1/password-resets', { body: { login: victim.email } });
    expect(plain.status).toBe(202);
    for (const to of [victim.phone, victim.email]) {
      expect((await outbox(t, to))[0]?.text).toMatch(/A password reset was requested; if it was not you, ignore this message/);
    }
    // Knowledge alone does not confirm: there is no field for it, and guessed codes fail.
    const withKnowledge = await call(t, 'POST', '/v1/password-resets/confirm', {
      body: { login: victim.email, smsCode: '000000', emailCode: '000000', newPassword: 'attacker password 1', birthDate: knowledge.birthDate },
    });
    expect(withKnowledge.body).toMatchObject({ code: 'invalid_request' });
    const guessed = await call(t, 'POST', '/v1/password-resets/confirm', {
      body: { login: victim.email, smsCode: '000000', emailCode: '000000', newPassword: 'attacker password 1' },
    });
    expect(guessed.body).toMatchObject({ code: 'invalid_code' });
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.email, password: victim.password } })).status).toBe(200);
    // Sign-up cannot take the victim's addresses either (it answers 202 and sends a notice instead).
    const squat = await call(t, 'POST', '/v1/accounts', { body: { phone: victim.phone, email: ATTACKER.email, password: 'attacker password 1' } });
    expect(squat.status).toBe(202);
    expect((await outbox(t, victim.phone))[0]?.text).toMatch(/already has one/);
    const finish = await call(t, 'POST', '/v1/accounts/verify', { body: { phone: victim.phone, smsCode: '111111', emailCode: await latestCode(t, ATTACKER.email) } });
    expect(finish.body).toMatchObject({ code: 'invalid_code' });
  });

  it('SIM swap: the SMS code with a guessed e-mail code resets nothing; a phone bound after a reset cannot pay in the cool-down', async () => {
    const victim = await signUp(t);
    await t.admin('POST', `/v1/admin/accounts/${victim.accountId}/credit`, { amount: 50_000 });
    const own = await bindPhone(t, victim);
    // The attacker holds the victim's number: it reads every SMS.
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const smsCode = await latestCode(t, victim.phone);
    const emailCode = await latestCode(t, victim.email);
    let guesses = 0;
    for (let guess = 0; guess < 12; guess++) {
      const candidate = String(guess).padStart(6, '0');
      if (candidate === emailCode) continue;
      guesses++;
      const reply = await call(t, 'POST', '/v1/password-resets/confirm', {
        body: { login: victim.phone, smsCode, emailCode: candidate, newPassword: 'attacker password 1' },
      });
      expect([400, 429]).toContain(reply.status);
    }
    expect(guesses).toBeGreaterThan(5);
    // The e-mail code took at most 5 guesses and is dead now: even the right one no longer works.
    const codeRow = await t.backend.db.kysely
      .selectFrom('one_time_codes')
      .select('attempts')
      .where('destination', '=', victim.email)
      .where('purpose', '=', 'reset_email')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(codeRow.attempts).toBe(5);
    t.clock.advance(3_600_000);
    const late = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, smsCode, emailCode, newPassword: 'attacker password 1' } });
    expect(late.body).toMatchObject({ code: 'invalid_code' });
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.phone, password: victim.password } })).status).toBe(200);
    // The SMS code alone never makes a session either: login needs the password too.
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.phone, password: smsCode } })).status).toBe(401);

    // Had the attacker had the mailbox as well, the reset goes through — and tells every channel …
    t.clock.advance(3_600_000); // (after the delays its guesses earned)
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const both = { smsCode: await latestCode(t, victim.phone), emailCode: await latestCode(t, victim.email) };
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, ...both, newPassword: 'attacker password 1' } })).status).toBe(204);
    expect((await outbox(t, victim.email))[0]?.text).toMatch(/password was reset/);
    // … and the attacker's phone, bound in the cool-down, carries zero offline limits: it cannot pay.
    // (Issue 17: without the victim's phone the binding needs the e-mail code too, and waits.)
    const stolenBind = await tryBind(t, { ...victim, password: 'attacker password 1' }, { email: true });
    const stolen = { key: stolenBind.key, bound: stolenBind.reply.body };
    expect(stolen.bound).toMatchObject({ status: 'pending', perPaymentLimit: 0, cumulativeLimit: 0 });
    const terminal = await TestTerminal.enrolled(t);
    const phone = createOfflineWallet({
      ed25519: nodeEd25519,
      keys: { deviceSeed: stolen.key.seed, certificate: fromBase64url(stolen.bound.certificate) ?? new Uint8Array() },
      now: () => t.clock.nowS(),
    });
    const online = await terminal.signed('POST', '/v1/terminal/authorize', { body: { saleId: 'swap-1', token: phone.mint(), amount: 100, currency: 392 } });
    // (Issue 17: a pending phone is declined for what it is.)
    expect(online.body).toMatchObject({ decision: 'declined', reason: 'device_pending' });
    // Issue 17: the customer's own phone is kept while the new one waits, and both channels are told.
    const devices = await t.backend.db.kysely.selectFrom('devices').select(['id', 'status']).where('id', '=', own.bound.deviceId).executeTakeFirstOrThrow();
    expect(devices.status).toBe('active');
    expect((await outbox(t, victim.email))[0]?.text).toMatch(/A new phone \("my phone"\) was added to your Tegata wallet/);
  });

  it('a device key copied to another phone after revocation: renewal refused, tokens declined device_revoked', async () => {
    const victim = await signUp(t);
    await t.admin('POST', `/v1/admin/accounts/${victim.accountId}/credit`, { amount: 50_000 });
    const { key, bound } = await bindPhone(t, victim);
    const terminal = await TestTerminal.enrolled(t);
    // The thief copied the key (and certificate) before the customer removed the lost phone.
    const copy = createOfflineWallet({
      ed25519: nodeEd25519,
      keys: { deviceSeed: key.seed, certificate: fromBase64url(bound.certificate) ?? new Uint8Array() },
      now: () => t.clock.nowS(),
      firstCounter: 1000,
    });
    const before = copy.mint();
    const restricted = await logIn(t, victim, 'email'); // the phone (and SIM) are gone: e-mail it is
    expect((await call(t, 'DELETE', `/v1/devices/${bound.deviceId}`, { token: restricted.sessionToken })).status).toBe(204);

    t.clock.set((bound.notBefore + 60 * 3600) * 1000);
    const renewal = await key.signed(t, 'POST', `/v1/devices/${bound.deviceId}/certificate`);
    expect(renewal).toMatchObject({ status: 403, body: { code: 'device_revoked' } });
    // Nor can the key be bound again, to this account or another.
    const thief = await signUp(t, freshContacts('thief'));
    const grant = await logIn(t, thief);
    const rebind = await call(t, 'POST', '/v1/devices', {
      token: grant.sessionToken,
      body: { publicKey: Buffer.from(key.publicKey).toString('base64url'), name: 'copy', proof: key.proof(grant.sessionToken) },
    });
    expect(rebind).toMatchObject({ status: 409, body: { code: 'public_key_in_use' } });

    // The next trust bundle lists the device: offline verification declines it …
    t.clock.set(bound.notBefore * 1000 + 3_600_000);
    const bundle = await terminal.refreshTrust();
    expect(bundle.revokedDevices.map((d) => d.deviceId)).toContain(bound.deviceId);
    const verifier = createTokenVerifier({ ed25519: nodeEd25519 });
    for (const token of [before, copy.mint()]) {
      expect(verifier.verify({ text: token, bundle, now: t.clock.nowS(), amount: 100, currency: 392 })).toEqual({ ok: false, reason: 'device_revoked' });
    }
    // … and so does the backend online.
    const online = await terminal.signed('POST', '/v1/terminal/authorize', { body: { saleId: 'copy-1', token: copy.mint(), amount: 100, currency: 392 } });
    expect(online.body).toMatchObject({ decision: 'declined', reason: 'device_revoked' });
  });
});
