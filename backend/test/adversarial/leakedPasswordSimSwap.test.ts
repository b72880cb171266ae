/**
 * Adversarial, issue 17: the victim's leaked password plus the victim's SMS (a SIM swap), but
 * not the e-mail inbox, must move ¥0 and take nothing. Each attack of the issue, over HTTP:
 * - bind at once with full limits, revoking the victim's phone → refused, naming the two ways;
 * - drain online through a register → the only phone the attacker can bind (with the e-mail
 *   code too) is pending: no offline limits, declined `device_pending`, the old phone kept;
 * - take the account for good by a password change or a reset confirmed by a fresh phone;
 * - clear a running cool-down with a second reset;
 * - win the race against the victim's undo;
 * - race two binds on one session; stack certificates beyond the balance.
 */
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { fromBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestTerminal } from '../actors.js';
import { TEST_DIALECTS } from '../databases.js';
import {
  ageDevice,
  bindPhone,
  call,
  callSignedWithSession,
  latestCode,
  logIn,
  outbox,
  PhoneKey,
  signUp,
  tryBind,
  useClientIp,
  type Bound,
  type SignedUp,
} from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const HOUR = 3_600_000;
const HOLD = 48 * HOUR;
const ATTACKER_PASSWORD = 'attacker password 1';

describe.each(TEST_DIALECTS)('a leaked password and a SIM swap on %s', (dialect) => {
  let t: TestBackend;
  let terminal: TestTerminal;
  beforeAll(async () => {
    t = await startTestBackend(dialect, {
      config: { trustProxy: true, messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100, emailPerDestinationPerHour: 50 } },
    });
    terminal = await TestTerminal.enrolled(t);
  });
  afterAll(async () => {
    useClientIp(undefined);
    await t.close();
  });
  let test = 0;
  beforeEach(() => {
    test++;
    useClientIp(`198.51.100.${test}`);
  });

  const credit = (accountId: string, amount: number) => t.admin('POST', `/v1/admin/accounts/${accountId}/credit`, { amount });
  const statusOf = async (deviceId: string) =>
    (await t.backend.db.kysely.selectFrom('devices').select('status').where('id', '=', deviceId).executeTakeFirstOrThrow()).status;
  const certificatesOf = (accountId: string) =>
    t.backend.db.kysely
      .selectFrom('certificates')
      .innerJoin('devices', 'devices.id', 'certificates.device_id')
      .select(['certificates.cumulative_limit', 'certificates.per_payment_limit', 'devices.id'])
      .where('devices.account_id', '=', accountId)
      .execute();

  const payOnline = (key: PhoneKey, bound: Bound, amount: number) => terminal.authorizeOnline({ seed: key.seed, certificate: bound.certificate }, amount);


  /** A victim with ¥30,000 and the phone bound at least the hold ago. */
  async function victimWithPhone(): Promise<{ victim: SignedUp; own: { key: PhoneKey; bound: Bound } }> {
    const victim = await signUp(t);
    await credit(victim.accountId, 30_000);
    const own = await bindPhone(t, victim, new PhoneKey(), 'Hanako phone');
    await ageDevice(t, own.bound.deviceId, HOLD);
    return { victim, own };
  }

  it('bind at once with full limits: the password and an SMS session are refused, naming the two ways; the victim keeps the phone', async () => {
    const { victim, own } = await victimWithPhone();
    const attempt = await tryBind(t, victim, { name: 'attacker' });
    expect(attempt.reply).toMatchObject({ status: 403, body: { code: 'bind_needs_phone_or_email' } });
    expect(attempt.reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(attempt.reply.body)).toMatch(/Tegata-Device.*emailCode/);
    expect(await statusOf(own.bound.deviceId)).toBe('active');
    expect(await certificatesOf(victim.accountId)).toHaveLength(1);
    // The victim's phone still pays.
    expect(await payOnline(own.key, own.bound, 1000)).toMatchObject({ decision: 'approved' });
  });

  it('drain online: a phone bound with the e-mail code too is pending — no offline limits, declined device_pending, the old phone kept until the hold ends', async () => {
    const { victim, own } = await victimWithPhone();
    const first = await tryBind(t, victim, { name: 'attacker 1', email: true });
    expect(first.reply).toMatchObject({ status: 201, body: { status: 'pending', perPaymentLimit: 0, cumulativeLimit: 0 } });
    expect(first.reply.body.pendingUntil).toBe(t.clock.nowMs() + HOLD);
    for (let i = 0; i < 3; i++) expect(await payOnline(first.key, first.reply.body, 10_000)).toMatchObject({ decision: 'declined', reason: 'device_pending' });
    expect(await statusOf(own.bound.deviceId)).toBe('active');
    for (const to of [victim.phone, victim.email]) expect((await outbox(t, to))[0]?.text).toMatch(/A new phone \("attacker 1"\) was added.*cannot pay until/);
    // A pending phone confirms nothing: not a login, not a binding, not a renewal.
    const signedLogin = await first.key.signed(t, 'POST', '/v1/sessions', { login: victim.phone, password: victim.password });
    expect(signedLogin).toMatchObject({ status: 403, body: { code: 'device_pending' } });
    expect((await tryBind(t, victim, { signer: first.key })).reply.body).toMatchObject({ code: 'device_pending' });

    // A second bind during the hold replaces the pending phone, and the hold starts again.
    t.clock.advance(HOUR);
    const second = await tryBind(t, victim, { name: 'attacker 2', email: true });
    expect(second.reply.body).toMatchObject({ status: 'pending', pendingUntil: t.clock.nowMs() + HOLD });
    expect(await statusOf(first.key.deviceId)).toBe('revoked');
    expect(await statusOf(own.bound.deviceId)).toBe('active');

    // The hold ends: the pending phone replaces the old one, which is revoked.
    t.clock.advance(HOLD);
    const devices = await call<{ devices: { deviceId: string; status: string }[] }>(t, 'GET', '/v1/devices', { token: (await logIn(t, victim)).sessionToken });
    expect(devices.body.devices[0]).toMatchObject({ deviceId: second.key.deviceId, status: 'active' });
    expect(devices.body.devices.find((d) => d.deviceId === own.bound.deviceId)?.status).toBe('revoked');
    // Its zero-limit certificate renews at once; offline limits now come from what is left.
    const renewed = await second.key.signed<Bound>(t, 'POST', `/v1/devices/${second.key.deviceId}/certificate`);
    expect(renewed.status).toBe(200);
  });

  it('the hold and the pending phone are stored: another backend instance on the same database sees them', async () => {
    const { victim, own } = await victimWithPhone();
    const pending = await tryBind(t, victim, { email: true });
    expect(pending.reply.body.status).toBe('pending');
    const other = await startTestBackend(dialect, { database: t.database, clock: t.clock, config: { trustProxy: true } });
    try {
      const otherTerminal = await TestTerminal.enrolled(other);
      const wallet = createOfflineWallet({
        ed25519: nodeEd25519,
        keys: { deviceSeed: pending.key.seed, certificate: fromBase64url(pending.reply.body.certificate) ?? new Uint8Array() },
        now: () => t.clock.nowS(),
      });
      const reply = await otherTerminal.signed<{ decision: string; reason?: string }>('POST', '/v1/terminal/authorize', {
        body: { saleId: `other-${dialect}`, token: wallet.mint(), amount: 500, currency: 392 },
      });
      expect(reply.body).toMatchObject({ decision: 'declined', reason: 'device_pending' });
      const viaOther = await call(other, 'POST', '/v1/sessions', { body: { login: victim.phone, password: victim.password } });
      expect(viaOther.status).toBe(200);
    } finally {
      await other.close();
    }
    expect(await statusOf(own.bound.deviceId)).toBe('active');
  });

  it('take the account (a): a password change from the SMS session with the leaked password is refused; the victim still logs in', async () => {
    const { victim } = await victimWithPhone();
    const grant = await logIn(t, victim);
    const change = await call(t, 'POST', '/v1/account/password', { token: grant.sessionToken, body: { currentPassword: victim.password, newPassword: ATTACKER_PASSWORD } });
    expect(change).toMatchObject({ status: 403, body: { code: 'password_change_needs_phone_or_email' } });
    const guessed = await call(t, 'POST', '/v1/account/password', {
      token: grant.sessionToken,
      body: { currentPassword: victim.password, newPassword: ATTACKER_PASSWORD, emailCode: '123456' },
    });
    expect(guessed).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.phone, password: victim.password } })).status).toBe(200);
  });

  it('password change: signed by the established phone at once; with the e-mail code only it opens the cool-down', async () => {
    const { victim, own } = await victimWithPhone();
    const grant = await logIn(t, victim);
    const byPhone = await callSignedWithSession(t, own.key, 'POST', '/v1/account/password', grant.sessionToken, {
      currentPassword: victim.password,
      newPassword: 'the owner new passphrase',
    });
    expect(byPhone.status).toBe(204);
    const account = () => t.backend.db.kysely.selectFrom('accounts').select(['cooldown_until']).where('id', '=', victim.accountId).executeTakeFirstOrThrow();
    expect((await account()).cooldown_until).toBeNull();

    const again = { ...victim, password: 'the owner new passphrase' };
    const grant2 = await logIn(t, again);
    await call(t, 'POST', '/v1/account/email-code', { token: grant2.sessionToken, body: { action: 'password' } });
    const emailCode = await latestCode(t, victim.email);
    const byEmail = await call(t, 'POST', '/v1/account/password', {
      token: grant2.sessionToken,
      body: { currentPassword: again.password, newPassword: 'a third passphrase here', emailCode },
    });
    expect(byEmail.status).toBe(204);
    expect((await account()).cooldown_until).toBe(t.clock.nowMs() + HOLD);
    expect((await outbox(t, victim.phone))[0]?.text).toMatch(/For 48 hours a newly bound phone cannot pay offline/);
  });

  it('take the account (b): a reset confirmed by a phone bound minutes ago (the SMS code and its signature) is refused', async () => {
    // An account without a phone: the attacker binds its first phone (allowed, as before) …
    const victim = await signUp(t);
    await credit(victim.accountId, 30_000);
    const fresh = await bindPhone(t, victim, new PhoneKey(), 'attacker');
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const smsCode = await latestCode(t, victim.phone);
    // … but a phone bound less than the hold ago confirms nothing.
    const confirm = await fresh.key.signed(t, 'POST', '/v1/password-resets/confirm', { login: victim.phone, smsCode, newPassword: ATTACKER_PASSWORD });
    expect(confirm).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.phone, password: victim.password } })).status).toBe(200);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.phone, password: ATTACKER_PASSWORD } })).status).toBe(401);
  });

  it('the victim takes the account back with its own phone and the e-mail code: new password, pending phones cancelled, no SMS needed', async () => {
    const { victim, own } = await victimWithPhone();
    // The attacker holds the password, the SMS and (here) the inbox: a pending phone and a new password.
    const pending = await tryBind(t, victim, { name: 'attacker', email: true });
    expect(pending.reply.body).toMatchObject({ status: 'pending' });
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const stolenSms = await latestCode(t, victim.phone);
    const stolenMail = await latestCode(t, victim.email);
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, smsCode: stolenSms, emailCode: stolenMail, newPassword: ATTACKER_PASSWORD } })).status).toBe(204);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.email, password: victim.password } })).status).toBe(401);

    // The victim's SIM is gone, but its phone and its inbox are not.
    await t.admin('POST', '/v1/dev/sim-swaps', { phone: victim.phone });
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.email } });
    const emailCode = await latestCode(t, victim.email);
    // The e-mail code alone is not enough, nor a wrong one with the phone.
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.email, emailCode, newPassword: 'taken back 2026 passphrase' } })).body).toMatchObject({ code: 'invalid_code' });
    expect((await own.key.signed(t, 'POST', '/v1/password-resets/confirm', { login: victim.email, emailCode: '000000', newPassword: 'taken back 2026 passphrase' })).body).toMatchObject({
      code: 'invalid_code',
    });
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.email, newPassword: 'taken back 2026 passphrase' } })).status).toBe(400);
    const back = await own.key.signed(t, 'POST', '/v1/password-resets/confirm', { login: victim.email, emailCode, newPassword: 'taken back 2026 passphrase' });
    expect(back.status).toBe(204);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.email, password: 'taken back 2026 passphrase', channel: 'email' } })).status).toBe(200);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.email, password: ATTACKER_PASSWORD } })).status).toBe(401);
    // The attacker's phone waiting for its hold is gone; the victim's phone still pays.
    expect(await statusOf(pending.key.deviceId)).toBe('revoked');
    t.clock.advance(HOLD + HOUR);
    expect(await statusOf(own.bound.deviceId)).toBe('active');
    expect(await payOnline(own.key, own.bound, 1000)).toMatchObject({ decision: 'approved' });
    await t.admin('POST', '/v1/dev/sim-swaps', { clear: true, mode: 'answer' });
  });

  it('clear a cool-down: a second reset, whoever confirms it, never shortens or clears the running one', async () => {
    const { victim, own } = await victimWithPhone();
    // A genuine two-code reset opens the cool-down …
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const codes = { smsCode: await latestCode(t, victim.phone), emailCode: await latestCode(t, victim.email) };
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, ...codes, newPassword: 'owner reset passphrase' } })).status).toBe(204);
    const opened = await t.backend.db.kysely.selectFrom('accounts').select(['cooldown_until', 'reset_at']).where('id', '=', victim.accountId).executeTakeFirstOrThrow();
    expect(opened.cooldown_until).toBe(t.clock.nowMs() + HOLD);
    // … and a reset the established phone confirms an hour later leaves it as it was.
    t.clock.advance(HOUR);
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const smsCode = await latestCode(t, victim.phone);
    const second = await own.key.signed(t, 'POST', '/v1/password-resets/confirm', { login: victim.phone, smsCode, newPassword: 'owner second passphrase' });
    expect(second.status).toBe(204);
    const after = await t.backend.db.kysely.selectFrom('accounts').select(['cooldown_until', 'reset_at']).where('id', '=', victim.accountId).executeTakeFirstOrThrow();
    expect(after).toEqual(opened);
    // A phone bound in the cool-down (signed by the established one) still gets nothing offline.
    const next = await tryBind(t, { ...victim, password: 'owner second passphrase' }, { signer: own.key });
    expect(next.reply.body).toMatchObject({ status: 'active', perPaymentLimit: 0, cumulativeLimit: 0 });
  });

  it('remove the victim’s phone: an SMS session cannot remove the established phone; the e-mail session or the phone itself can', async () => {
    const { victim, own } = await victimWithPhone();
    const sms = await logIn(t, victim);
    const refused = await call(t, 'DELETE', `/v1/devices/${own.bound.deviceId}`, { token: sms.sessionToken });
    expect(refused).toMatchObject({ status: 403, body: { code: 'removal_needs_email_or_phone' } });
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await statusOf(own.bound.deviceId)).toBe('active');
    expect(await payOnline(own.key, own.bound, 1000)).toMatchObject({ decision: 'approved' });
    // A phone bound less than the hold ago (here the pending one) goes from the SMS session.
    const pending = await tryBind(t, victim, { name: 'mistake', email: true });
    expect((await call(t, 'DELETE', `/v1/devices/${pending.key.deviceId}`, { token: (await logIn(t, victim)).sessionToken })).status).toBe(204);
    expect(await statusOf(pending.key.deviceId)).toBe('revoked');
    // The phone's own signed login may remove it (a phone being handed on).
    const byPhone = await own.key.signed<{ sessionToken: string }>(t, 'POST', '/v1/sessions', { login: victim.phone, password: victim.password });
    expect((await call(t, 'DELETE', `/v1/devices/${own.bound.deviceId}`, { token: byPhone.body.sessionToken })).status).toBe(204);
    expect(await statusOf(own.bound.deviceId)).toBe('revoked');
  });

  it("the victim's undo: after removing the lost phone from an e-mail session, the attacker still cannot bind or change the password", async () => {
    const { victim, own } = await victimWithPhone();
    const restricted = await logIn(t, victim, 'email');
    expect((await call(t, 'DELETE', `/v1/devices/${own.bound.deviceId}`, { token: restricted.sessionToken })).status).toBe(204);
    // No phone is active now, but this is not the account's first phone.
    const bind = await tryBind(t, victim, { name: 'attacker' });
    expect(bind.reply).toMatchObject({ status: 403, body: { code: 'bind_needs_phone_or_email' } });
    const grant = await logIn(t, victim);
    const change = await call(t, 'POST', '/v1/account/password', { token: grant.sessionToken, body: { currentPassword: victim.password, newPassword: ATTACKER_PASSWORD } });
    expect(change.body).toMatchObject({ code: 'password_change_needs_phone_or_email' });
    await credit(victim.accountId, 10_000); // the victim's next top-up
    expect(await certificatesOf(victim.accountId)).toHaveLength(1);
  });

  it('two concurrent binds on one session, and on two sessions: one phone, one certificate', async () => {
    const victim = await signUp(t);
    await credit(victim.accountId, 30_000);
    const grant = await logIn(t, victim);
    const [a, b] = await Promise.all([tryBind(t, victim, { grant }), tryBind(t, victim, { grant })]);
    // The loser is refused either by the session's one bind or, if it started after the
    // winner committed, because the account has a phone now.
    expect([a.reply.status, b.reply.status]).toContain(201);
    const loser = a.reply.status === 201 ? b.reply : a.reply;
    expect(['session_already_bound', 'bind_needs_phone_or_email']).toContain(loser.body.code);
    expect(await certificatesOf(victim.accountId)).toHaveLength(1);

    const other = await signUp(t);
    await credit(other.accountId, 30_000);
    const [g1, g2] = [await logIn(t, other), await logIn(t, other)];
    const [c, d] = await Promise.all([tryBind(t, other, { grant: g1 }), tryBind(t, other, { grant: g2 })]);
    expect([c.reply.status, d.reply.status].sort()).toEqual([201, 403]);
    expect(await certificatesOf(other.accountId)).toHaveLength(1);
    const active = await t.backend.db.kysely.selectFrom('devices').select('id').where('account_id', '=', other.accountId).where('status', '=', 'active').execute();
    expect(active).toHaveLength(1);
  });

  it('five binds in a row: at most three a day, and the live certificates never add up to more than the balance', async () => {
    const owner = await signUp(t);
    await credit(owner.accountId, 30_000);
    let signer: PhoneKey | undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const bind = await tryBind(t, owner, signer === undefined ? {} : { signer });
      statuses.push(bind.reply.status);
      if (bind.reply.status === 201) {
        signer = bind.key;
        await ageDevice(t, bind.key.deviceId, HOLD); // so it may sign the next replacement
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const certificates = await certificatesOf(owner.accountId);
    expect(certificates).toHaveLength(3);
    const total = certificates.reduce((sum, c) => sum + c.cumulative_limit, 0);
    expect(total).toBeLessThanOrEqual(30_000);
    for (const c of certificates) expect(c.per_payment_limit).toBeLessThanOrEqual(c.cumulative_limit);
    // The next day binding works again (the earlier certificates, still unexpired, leave it nothing).
    t.clock.advance(24 * HOUR + 1000);
    expect((await tryBind(t, owner, { signer })).reply.status).toBe(201);
  });
});
