/**
 * Issue 9 §3: wrong guesses at `POST /v1/password-resets/confirm` by someone who knows only the
 * login must not burn the customer's live reset codes; a guesser holding one of the two codes
 * still gets at most `codeMaxAttempts` guesses at the other.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../databases.js';
import { call, latestCode, signUp, useClientIp, type SignedUp } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

describe.each(TEST_DIALECTS)('reset guesses on %s', (dialect) => {
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
  });

  const confirm = (login: string, smsCode: string, emailCode: string, newPassword = 'attacker password 1') =>
    call(t, 'POST', '/v1/password-resets/confirm', { body: { login, smsCode, emailCode, newPassword } });

  async function startReset(victim: SignedUp): Promise<{ smsCode: string; emailCode: string }> {
    expect((await call(t, 'POST', '/v1/password-resets', { body: { login: victim.email } })).status).toBe(202);
    return { smsCode: await latestCode(t, victim.phone), emailCode: await latestCode(t, victim.email) };
  }

  const wrong = (code: string, i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

  it("an attacker's wrong guesses (neither code) do not cancel the real customer's reset", async () => {
    const victim = await signUp(t);
    useClientIp(`203.0.113.${test}`);
    const codes = await startReset(victim);
    useClientIp(`192.0.2.${100 + test}`); // the attacker, elsewhere
    for (let i = 0; i < 8; i++) {
      expect((await confirm(victim.email, wrong(codes.smsCode, i), wrong(codes.emailCode, i))).body).toMatchObject({ code: 'invalid_code' });
    }
    const attempts = await t.backend.db.kysely
      .selectFrom('one_time_codes')
      .select(['purpose', 'attempts'])
      .where('account_id', '=', victim.accountId)
      .where('purpose', 'in', ['reset_sms', 'reset_email'])
      .execute();
    expect(attempts.map((a) => a.attempts)).toEqual([0, 0]);
    useClientIp(`203.0.113.${test}`); // the customer
    expect((await confirm(victim.email, codes.smsCode, codes.emailCode, 'the customer new passphrase')).status).toBe(204);
  });

  it('holding one code, a guesser still gets at most 5 tries at the other, and the pair dies after them', async () => {
    const victim = await signUp(t);
    useClientIp(`198.51.100.${test}`);
    const codes = await startReset(victim);
    // The e-mail code known (a compromised inbox), the SMS code guessed.
    for (let i = 0; i < 7; i++) expect((await confirm(victim.email, wrong(codes.smsCode, i), codes.emailCode)).status).toBe(400);
    const sms = await t.backend.db.kysely
      .selectFrom('one_time_codes')
      .select('attempts')
      .where('account_id', '=', victim.accountId)
      .where('purpose', '=', 'reset_sms')
      .executeTakeFirstOrThrow();
    expect(sms.attempts).toBe(5);
    expect((await confirm(victim.email, codes.smsCode, codes.emailCode)).body).toMatchObject({ code: 'invalid_code' });
  });
});
