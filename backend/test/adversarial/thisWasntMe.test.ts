/**
 * Issue 17 point 4, end to end: every binding, password and reset notice carries a "This
 * wasn't me" code; from a session opened with the e-mail code it cancels the pending phone,
 * ends every session and freezes binding, password change and online payments — against an
 * attacker who keeps the victim's password and SMS — until a reset with both codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestTerminal } from '../actors.js';
import { TEST_DIALECTS } from '../databases.js';
import { ageDevice, bindPhone, call, latestCode, logIn, outbox, PhoneKey, signUp, tryBind, useClientIp, type Bound } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const UNDO = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/;

describe.each(TEST_DIALECTS)('"This wasn\'t me" on %s', (dialect) => {
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

  const pay = (key: PhoneKey, bound: Bound, amount: number) => terminal.authorizeOnline({ seed: key.seed, certificate: bound.certificate }, amount);


  it('cancels the pending phone, ends every session and freezes until a reset with both codes', async () => {
    useClientIp('198.51.100.77');
    const victim = await signUp(t);
    await t.admin('POST', `/v1/admin/accounts/${victim.accountId}/credit`, { amount: 30_000 });
    const own = await bindPhone(t, victim, new PhoneKey(), 'own');
    await ageDevice(t, own.bound.deviceId, 48 * 3_600_000);
    // The bind notice already carried an undo code, on both channels, masked in the kept copy.
    expect((await outbox(t, victim.email)).find((m) => /was bound/.test(m.text))?.text).toMatch(UNDO);

    // The attacker: the password, the SMS, and once an e-mail code (say, phished): a pending phone.
    const attacker = await tryBind(t, victim, { name: 'attacker', email: true });
    expect(attacker.reply.body.status).toBe('pending');
    const notice = (await outbox(t, victim.email)).find((m) => /A new phone/.test(m.text))?.text ?? '';
    const undo = UNDO.exec(notice)?.[1] ?? '';
    expect(undo).not.toBe('');
    const stored = await t.backend.db.kysely.selectFrom('notifications').select(['redacted']).where('account_id', '=', victim.accountId).execute();
    expect(stored.some((r) => r.redacted.includes(undo))).toBe(false);
    const attackerSession = await logIn(t, victim); // it keeps the SMS

    // The undo code is refused from an SMS session (the attacker's kind) …
    const fromSms = await call(t, 'POST', '/v1/account/not-me', { token: attackerSession.sessionToken, body: { code: undo } });
    expect(fromSms).toMatchObject({ status: 403, body: { code: 'email_session_required' } });
    // … and accepted from the victim's e-mail session.
    const victimSession = await logIn(t, victim, 'email');
    expect((await call(t, 'POST', '/v1/account/not-me', { token: victimSession.sessionToken, body: { code: 'ABCD-EFGH' } })).body).toMatchObject({ code: 'invalid_code' });
    expect((await call(t, 'POST', '/v1/account/not-me', { token: victimSession.sessionToken, body: { code: undo } })).status).toBe(204);
    expect((await outbox(t, victim.phone))[0]?.text).toMatch(/frozen/);

    // Every session ended; the pending phone is cancelled.
    for (const grant of [attackerSession, victimSession]) expect((await call(t, 'GET', '/v1/sessions/current', { token: grant.sessionToken })).status).toBe(401);
    const pending = await t.backend.db.kysely.selectFrom('devices').select('status').where('id', '=', attacker.key.deviceId).executeTakeFirstOrThrow();
    expect(pending.status).toBe('revoked');
    expect(await pay(attacker.key, attacker.reply.body, 100)).toMatchObject({ decision: 'declined' });

    // The attacker keeps the SMS: it logs in, but binds nothing and changes no password; no online payment passes.
    const again = await logIn(t, victim);
    expect((await tryBind(t, victim, { grant: again, email: true })).reply.body).toMatchObject({ code: 'account_frozen' });
    const change = await call(t, 'POST', '/v1/account/password', { token: again.sessionToken, body: { currentPassword: victim.password, newPassword: 'attacker password 1', emailCode: '000000' } });
    expect(change).toMatchObject({ status: 403, body: { code: 'account_frozen' } });
    expect(await pay(own.key, own.bound, 1000)).toMatchObject({ decision: 'declined', reason: 'account_frozen' });
    // The freeze is stored: another instance on the same database (or a restart) holds it too.
    const other = await startTestBackend(dialect, {
      database: t.database,
      clock: t.clock,
      config: { trustProxy: true, messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100, emailPerDestinationPerHour: 50 } },
    });
    try {
      const grant = await logIn(other, victim);
      expect((await tryBind(other, victim, { grant })).reply.body).toMatchObject({ code: 'account_frozen' });
    } finally {
      await other.close();
    }
    // The hold ending changes nothing while frozen; a reset by SMS and the phone is not enough.
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const smsCode = await latestCode(t, victim.phone);
    const byPhone = await own.key.signed(t, 'POST', '/v1/password-resets/confirm', { login: victim.phone, smsCode, newPassword: 'attacker password 1' });
    expect(byPhone.body).toMatchObject({ code: 'invalid_code' });

    // The victim resets with both codes: the freeze ends, its phone pays online again.
    t.clock.advance(1000); // a reset newer than the attacker's
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const codes = { smsCode: await latestCode(t, victim.phone), emailCode: await latestCode(t, victim.email) };
    expect((await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, ...codes, newPassword: 'the victim new passphrase' } })).status).toBe(204);
    expect((await outbox(t, victim.email))[0]?.text).toMatch(UNDO);
    expect(await pay(own.key, own.bound, 1000)).toMatchObject({ decision: 'approved' });
  });
});
