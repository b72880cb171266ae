/**
 * Issue 17 point 5: with the SIM-swap fake flipped (a SIM change within 72 h), an SMS code
 * counts as no factor for login, binding, reset and password change, and the account is
 * flagged; when the gateway does not answer in time, binding, reset and password change are
 * refused and login is let through, and the log says so.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../databases.js';
import { bindPhone, call, latestCode, logIn, PhoneKey, signUp, tryBind, useClientIp, type SignedUp } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const HOUR = 3_600_000;

describe.each(TEST_DIALECTS)('the SIM-swap signal on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, {
      config: {
        trustProxy: true,
        simSwap: { provider: 'fake', timeoutMs: 200 },
        messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100, emailPerDestinationPerHour: 50 },
      },
    });
  });
  afterAll(async () => {
    useClientIp(undefined);
    await t.close();
  });
  let test = 0;
  beforeEach(async () => {
    test++;
    useClientIp(`203.0.113.${test}`);
    await t.admin('POST', '/v1/dev/sim-swaps', { clear: true, mode: 'answer' });
  });

  const swap = (who: SignedUp, at?: number) => t.admin('POST', '/v1/dev/sim-swaps', { phone: who.phone, ...(at === undefined ? {} : { at }) });
  const startSmsLogin = async (who: SignedUp) => {
    const started = await call<{ challengeId: string }>(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password } });
    return call(t, 'POST', '/v1/sessions/verify', { body: { challengeId: started.body.challengeId, code: await latestCode(t, who.phone) } });
  };

  it('a fresh SIM: the SMS code opens no session and the account is flagged; the e-mail login still works', async () => {
    const who = await signUp(t);
    await swap(who);
    const verified = await startSmsLogin(who);
    expect(verified).toMatchObject({ status: 403, body: { code: 'sim_swapped' } });
    expect(verified.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const account = await t.backend.db.kysely.selectFrom('accounts').select('sim_swap_flagged_at').where('id', '=', who.accountId).executeTakeFirstOrThrow();
    expect(account.sim_swap_flagged_at).toBe(t.clock.nowMs());
    const flags = await t.backend.db.kysely.selectFrom('flags').select(['kind', 'detail']).where('kind', '=', 'sim_swap').execute();
    expect(flags.some((f) => (f.detail ?? '').includes(who.accountId))).toBe(true);
    expect((await logIn(t, who, 'email')).scope).toBe('restricted');
    expect(t.logText()).not.toContain(who.phone);
  });

  it('a session opened before the swap binds nothing, changes no password, and a two-code reset waits', async () => {
    const victim = await signUp(t);
    await bindPhone(t, victim, new PhoneKey(), 'own');
    const grant = await logIn(t, victim); // before the swap
    await swap(victim);
    expect((await tryBind(t, victim, { grant, email: true })).reply.body).toMatchObject({ code: 'sim_swapped' });
    await call(t, 'POST', '/v1/account/email-code', { token: grant.sessionToken, body: { action: 'password' } });
    const change = await call(t, 'POST', '/v1/account/password', {
      token: grant.sessionToken,
      body: { currentPassword: victim.password, newPassword: 'attacker password 1', emailCode: await latestCode(t, victim.email) },
    });
    expect(change).toMatchObject({ status: 403, body: { code: 'sim_swapped' } });
    await call(t, 'POST', '/v1/password-resets', { body: { login: victim.phone } });
    const codes = { smsCode: await latestCode(t, victim.phone), emailCode: await latestCode(t, victim.email) };
    const reset = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: victim.phone, ...codes, newPassword: 'attacker password 1' } });
    expect(reset).toMatchObject({ status: 403, body: { code: 'sim_swapped' } });
    // The password is the victim's still.
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: victim.email, password: victim.password, channel: 'email' } })).status).toBe(200);
  });

  it('a SIM change older than the window (72 h) does not count', async () => {
    const who = await signUp(t);
    await swap(who, t.clock.nowMs() - 73 * HOUR);
    expect((await startSmsLogin(who)).status).toBe(200);
  });

  it('a gateway that does not answer: login goes through (logged), binding, password change and reset are refused', async () => {
    const who = await signUp(t);
    await t.admin('POST', '/v1/dev/sim-swaps', { mode: 'hang' });
    const grant = await logIn(t, who); // open for login
    expect(t.logText()).toMatch(/SIM-swap check did not answer in time/);
    expect((await tryBind(t, who, { grant })).reply).toMatchObject({ status: 403, body: { code: 'sim_check_unavailable' } });
    const change = await call(t, 'POST', '/v1/account/password', {
      token: grant.sessionToken,
      body: { currentPassword: who.password, newPassword: 'a new passphrase 1', emailCode: '000000' },
    });
    expect(change.body).toMatchObject({ code: 'sim_check_unavailable' });
    await t.admin('POST', '/v1/dev/sim-swaps', { mode: 'fail' });
    await call(t, 'POST', '/v1/password-resets', { body: { login: who.phone } });
    const codes = { smsCode: await latestCode(t, who.phone), emailCode: await latestCode(t, who.email) };
    const reset = await call(t, 'POST', '/v1/password-resets/confirm', { body: { login: who.phone, ...codes, newPassword: 'a new passphrase 1' } });
    expect(reset).toMatchObject({ status: 403, body: { code: 'sim_check_unavailable' } });
  });
});
