/**
 * Adversarial: credential stuffing (the 2019 attack). 10,000 login attempts with leaked
 * (login, password) pairs from 200 addresses in 200 different networks, 1% of them our
 * customers' real passwords. The attacker obeys every Retry-After (simulated time), so every
 * pair is eventually tried. Without the second factor it gets no session and binds no phone;
 * throttling stretches the attack from seconds to days; admins are told; every customer whose
 * correct password was used is told at once.
 */
import { seededRandom } from '@tegata/hardware-mocks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccountWithWallet } from '../../src/domain/accounts.js';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { startLogin } from '../../src/domain/accounts/sessions.js';
import { inTransaction } from '../../src/db/database.js';
import { TEST_DIALECTS } from '../databases.js';
import { startTestBackend, TEST_SCRYPT_LOG_N, type TestBackend } from '../harness.js';
import { outcome } from './domainCalls.js';

const ATTEMPTS = 10_000;
const SOURCES = 200;
const CUSTOMERS = 200;
const CORRECT = ATTEMPTS / 100;
const THINK_MS = 200; // an unthrottled bot's pace per address
/** The bots act on whole seconds, so many act at once (and the database sees concurrency). */
const tick = (ms: number): number => Math.ceil(ms / 1000) * 1000;

interface Pair {
  login: string;
  password: string;
  correct: boolean;
  accountId: string | null;
}

describe.each(TEST_DIALECTS)('credential stuffing on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('10,000 leaked pairs from 200 addresses: no session, no phone, throttled, flagged, every victim told', async () => {
    const ctx = t.backend.context;
    const random = seededRandom('credential-stuffing');
    const customers: { accountId: string; phone: string; email: string; password: string }[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const phone = `+8180${String(7_000_000 + i).padStart(8, '0')}`;
      const email = `victim${i}@example.test`;
      const password = `customer passphrase ${i}`;
      const passwordHash = await hashPassword(password, { logN: TEST_SCRYPT_LOG_N, r: 8, p: 1 }, ctx.random);
      const { accountId } = await inTransaction(ctx.db, (trx) =>
        insertAccountWithWallet(ctx, trx, { phone, email, passwordHash, verified: true, risk: 'new', currency: 392 }),
      );
      customers.push({ accountId, phone, email, password });
    }

    // The leaked list: 1% our customers' real passwords (each customer at most once), the rest
    // wrong passwords for customers and logins that are nobody's here.
    const pairs: Pair[] = [];
    for (let i = 0; i < CORRECT; i++) {
      const c = customers[i]!;
      pairs.push({ login: i % 2 === 0 ? c.email : c.phone, password: c.password, correct: true, accountId: c.accountId });
    }
    while (pairs.length < ATTEMPTS) {
      if (random.float() < 0.5) {
        const c = random.pick(customers);
        pairs.push({ login: random.float() < 0.5 ? c.email : c.phone, password: `leaked-${random.next()}`, correct: false, accountId: c.accountId });
      } else {
        pairs.push({ login: `someone${random.next()}@elsewhere.test`, password: `leaked-${random.next()}`, correct: false, accountId: null });
      }
    }
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
    }
    const sources = Array.from({ length: SOURCES }, (_, i) => ({
      client: { ip: `100.${64 + (i >> 8)}.${i & 255}.${1 + random.int(250)}`, userAgent: 'python-requests/2.31' },
      queue: pairs.filter((_, k) => k % SOURCES === i),
      nextAt: 0,
    }));

    const start = t.clock.nowMs();
    let now = start;
    let throttled = 0;
    const answered = new Map<number, number>();
    const challengesFor = new Set<string>();
    let wrongAnswers = 0;
    for (;;) {
      const waiting = sources.filter((s) => s.queue.length > 0);
      if (waiting.length === 0) break;
      now = Math.max(now, Math.min(...waiting.map((s) => s.nextAt)));
      t.clock.set(now);
      const ready = waiting.filter((s) => s.nextAt <= now);
      await Promise.all(
        ready.map(async (source) => {
          const pair = source.queue[0]!;
          const result = await outcome(startLogin(ctx, { login: pair.login, password: pair.password }, source.client, null));
          if (result.status === 429 && result.code === 'too_many_attempts') {
            throttled++;
            source.nextAt = tick(now + (result.retryAfterSeconds ?? 1) * 1000); // the attacker waits as told
            return;
          }
          source.queue.shift();
          source.nextAt = tick(now + THINK_MS);
          answered.set(result.status, (answered.get(result.status) ?? 0) + 1);
          if (result.status === 200) {
            expect(pair.correct).toBe(true);
            challengesFor.add(pair.accountId ?? '');
          } else if (pair.correct) wrongAnswers++;
        }),
      );
    }
    const db = t.backend.db.kysely;
    const ids = customers.map((c) => c.accountId);

    // Every pair was tried; exactly the correct ones opened a challenge, none a session.
    expect(answered.get(401)).toBe(ATTEMPTS - CORRECT);
    expect(answered.get(200)).toBe(CORRECT);
    expect(wrongAnswers).toBe(0);
    expect(challengesFor.size).toBe(CORRECT);
    expect(await db.selectFrom('sessions').select('id').where('account_id', 'in', ids).execute()).toEqual([]);
    expect(await db.selectFrom('devices').select('id').where('account_id', 'in', ids).execute()).toEqual([]);

    // Throttling engaged: unthrottled, each address would be done in 50 s.
    const hours = (now - start) / 3_600_000;
    expect(throttled).toBeGreaterThan(ATTEMPTS / 2);
    expect(hours).toBeGreaterThan(24);
    const flags = await db.selectFrom('flags').select(['kind']).where('kind', 'in', ['credential_stuffing', 'login_failure_surge']).execute();
    expect(flags.filter((f) => f.kind === 'login_failure_surge').length).toBeGreaterThanOrEqual(1);
    expect(flags.filter((f) => f.kind === 'credential_stuffing').length).toBe(SOURCES);

    // Every customer whose correct password was used has been told, on the channel the code went to.
    const told = await db
      .selectFrom('notifications')
      .select(['account_id', 'text'])
      .where('account_id', 'in', ids)
      .where('kind', '=', 'code')
      .execute();
    expect(new Set(told.filter((m) => /Someone entered your password/.test(m.text ?? '')).map((m) => m.account_id))).toEqual(challengesFor);
    // … and nobody else was bothered.
    expect(told.length).toBe(CORRECT);
  }, 120_000); // a day and more of simulated attack: 10,000 logins, on a shared CI machine too
});
