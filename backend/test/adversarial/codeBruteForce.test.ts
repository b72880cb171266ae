/**
 * Adversarial: guessing one-time codes. An attacker who has the password (from a breach)
 * hammers the login code with 10,000 guesses, 25 at a time, asking for a new code whenever one
 * dies. Every code takes at most 5 guesses (also when guessed concurrently), new codes come
 * only as fast as the SMS limits allow, and the account's failure counter is never reset by a
 * new code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccountWithWallet } from '../../src/domain/accounts.js';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { startLogin, verifyLogin, type LoginChallenge } from '../../src/domain/accounts/sessions.js';
import { inTransaction } from '../../src/db/database.js';
import { TEST_DIALECTS } from '../databases.js';
import { latestCode } from '../customers.js';
import { startTestBackend, TEST_SCRYPT_LOG_N, type TestBackend } from '../harness.js';
import { outcome } from './domainCalls.js';

const GUESSES = 10_000;
const PARALLEL = 25;
const PASSWORD = 'breached but long password';

describe.each(TEST_DIALECTS)('one-time code brute force on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function customer(n: number): Promise<{ accountId: string; phone: string }> {
    const ctx = t.backend.context;
    const phone = `+8170${String(5_000_000 + n).padStart(8, '0')}`;
    const passwordHash = await hashPassword(PASSWORD, { logN: TEST_SCRYPT_LOG_N, r: 8, p: 1 }, ctx.random);
    const { accountId } = await inTransaction(ctx.db, (trx) =>
      insertAccountWithWallet(ctx, trx, { phone, email: `brute${n}@example.test`, passwordHash, verified: true, risk: 'new', currency: 392 }),
    );
    return { accountId, phone };
  }

  it('10,000 guesses: at most 5 per code, new codes only within the SMS limits, the failure counter never reset', async () => {
    const ctx = t.backend.context;
    const victim = await customer(1);
    const attacker = { ip: '198.51.100.66', userAgent: 'brute' };
    let challenge: LoginChallenge | undefined;
    let realCode = '';
    let next = 0;
    let sent = 0;
    let throttled = 0;
    let failed = 0;
    let codesIssued = 0;
    let refusedCodes = 0;
    while (sent < GUESSES) {
      t.clock.advance(1000); // 25 guesses a second
      if (challenge === undefined) {
        sent++;
        const started = await outcome(startLogin(ctx, { login: victim.phone, password: PASSWORD }, attacker, null));
        if (started.status !== 200) {
          refusedCodes++;
          continue;
        }
        challenge = started.value as LoginChallenge;
        realCode = await latestCode(t, victim.phone);
        codesIssued++;
      }
      const burst = Array.from({ length: PARALLEL }, () => {
        // The guesses never include the real code: this measures the limits, not luck.
        let guess = String(next++ % 1_000_000).padStart(6, '0');
        if (guess === realCode) guess = String(next++ % 1_000_000).padStart(6, '0');
        return guess;
      });
      const { challengeId } = challenge;
      sent += burst.length;
      const results = await Promise.all(burst.map((code) => outcome(verifyLogin(ctx, { challengeId, code }, attacker))));
      for (const result of results) {
        expect(result.status).not.toBe(200);
        if (result.status === 429) throttled++;
        else failed++;
        if (result.problem?.attemptsLeft === 0) challenge = undefined; // dead: ask for another
      }
    }

    const codes = await t.backend.db.kysely.selectFrom('one_time_codes').select(['attempts']).where('account_id', '=', victim.accountId).execute();
    expect(codes).toHaveLength(codesIssued);
    expect(codes.every((c) => c.attempts <= 5)).toBe(true);
    // Codes only as fast as SMS to one number may go: 5 an hour, 10 a day (the run lasts under 2 hours).
    expect(codesIssued).toBeLessThanOrEqual(ctx.config.messaging.smsPerDestinationPerDay);
    expect(codesIssued).toBeGreaterThanOrEqual(2);
    expect(refusedCodes).toBeLessThan(codesIssued + 10);
    expect(throttled).toBeGreaterThan(GUESSES / 2);
    // One failure counter for the account across all its codes: never reset by a new code.
    const counter = await ctx.counters.read([`code:acct:${victim.accountId}`]);
    expect(counter.get(`code:acct:${victim.accountId}`)?.failures).toBe(failed);
    expect(codes.reduce((sum, c) => sum + c.attempts, 0)).toBeLessThanOrEqual(5 * codesIssued);
    expect(await t.backend.db.kysely.selectFrom('sessions').select('id').where('account_id', '=', victim.accountId).execute()).toEqual([]);
    // The customer was told each time a code died of guessing.
    const told = await t.backend.db.kysely.selectFrom('notifications').select('id').where('account_id', '=', victim.accountId).where('kind', '=', 'second_factor_failed').execute();
    expect(told.length).toBeGreaterThan(0);
  });

  it('concurrent guesses at one code: exactly 5 are compared, none wins, even the right code after them', async () => {
    const ctx = t.backend.context;
    const victim = await customer(2);
    const attacker = { ip: '203.0.113.77', userAgent: 'brute' };
    const started = await outcome(startLogin(ctx, { login: victim.phone, password: PASSWORD }, attacker, null));
    expect(started.status).toBe(200);
    const challenge = started.value as LoginChallenge;
    const realCode = await latestCode(t, victim.phone);
    const wrong = Array.from({ length: 40 }, (_, i) => String((Number(realCode) + 1 + i) % 1_000_000).padStart(6, '0'));
    const results = await Promise.all(wrong.map((code, i) => outcome(verifyLogin(ctx, { challengeId: challenge.challengeId, code }, { ...attacker, ip: `203.0.${i}.77` }))));
    expect(results.every((r) => r.status === 401)).toBe(true);
    const row = await t.backend.db.kysely.selectFrom('one_time_codes').select('attempts').where('subject_id', '=', challenge.challengeId).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(5);
    // The right code after them is refused too (dead code; the account is also delayed by now).
    const late = await outcome(verifyLogin(ctx, { challengeId: challenge.challengeId, code: realCode }, { ...attacker, ip: '192.0.2.200' }));
    expect([401, 429]).toContain(late.status);
    t.clock.advance(86_400_000);
    expect((await outcome(verifyLogin(ctx, { challengeId: challenge.challengeId, code: realCode }, { ...attacker, ip: '192.0.2.201' }))).status).toBe(401);
  });
});
