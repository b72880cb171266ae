/**
 * Real concurrent requests: on PostgreSQL the transactions overlap (row locks, the unique
 * (device, counter) claim and deadlock retries decide); on SQLite they queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, TestTerminal, walletBalance } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';
import { expectLedgerBalanced } from './ledgerCheck.js';

const ROUNDS = 6;

async function outcomesOf(terminal: TestTerminal): Promise<Map<string, string>> {
  const reply = await terminal.signed<{ outcomes: { id: string; outcome: string }[] }>('GET', '/v1/terminal/outcomes');
  return new Map(reply.body.outcomes.map((o) => [o.id, o.outcome]));
}

describe.each(TEST_DIALECTS)('concurrency on %s', (dialect) => {
  let t: TestBackend;
  let a: TestTerminal;
  let b: TestTerminal;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
    a = await TestTerminal.enrolled(t);
    b = await TestTerminal.enrolled(t);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await expectLedgerBalanced(t.backend.db);
  });

  it('two terminals syncing the same token at once: one settled payment and one duplicate_token flag', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const customer = await createCustomer(t, 5000);
      const token = customer.phone.mint();
      const first = a.payment(token, 1000);
      const second = b.payment(token, 1000);
      await Promise.all([a.sendJournal([first]), b.sendJournal([second])]);
      const outcomes = [(await outcomesOf(a)).get(first.id), (await outcomesOf(b)).get(second.id)].sort();
      expect(outcomes).toEqual(['duplicate_token', 'settled']);
      expect(await walletBalance(t, customer.accountId)).toBe(4000);
      const flags = await t.backend.db.kysely.selectFrom('flags').select('kind').where('device_id', '=', customer.deviceId).execute();
      expect(flags.map((f) => f.kind)).toEqual(['duplicate_token']);
    }
  });

  it('two tokens with the same counter at once: one settled payment and one cloned_device, device revoked', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const customer = await createCustomer(t, 5000);
      const counter = customer.phone.nextCounter;
      const first = a.payment(customer.phone.mint({ counter }), 1000);
      const second = b.payment(customer.phone.mint({ counter, issuedAt: t.clock.nowS() - 2 }), 1000);
      await Promise.all([a.sendJournal([first]), b.sendJournal([second])]);
      const outcomes = [(await outcomesOf(a)).get(first.id), (await outcomesOf(b)).get(second.id)].sort();
      expect(outcomes).toEqual(['cloned_device', 'settled']);
      expect(await walletBalance(t, customer.accountId)).toBe(4000);
      const device = await t.backend.db.kysely.selectFrom('devices').select('status').where('id', '=', customer.deviceId).executeTakeFirst();
      expect(device?.status).toBe('revoked');
    }
  });

  it('two authorizations racing for the last yen: exactly one approved', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const customer = await createCustomer(t, 1000);
      const replies = await Promise.all(
        [a, b].map((terminal, i) =>
          terminal.signed<{ decision: string; reason?: string }>('POST', '/v1/terminal/authorize', {
            body: { saleId: `race-${round}-${i}`, token: customer.phone.mint(), amount: 1000, currency: 392 },
          }),
        ),
      );
      const decisions = replies.map((r) => `${r.body.decision}:${r.body.reason ?? ''}`).sort();
      expect(decisions).toEqual(['approved:', 'declined:insufficient_funds']);
    }
  });

  it('many terminals settling payments of shared wallets at once lose and duplicate nothing', async () => {
    const terminals = [a, b, await TestTerminal.enrolled(t), await TestTerminal.enrolled(t)];
    const customers = await Promise.all([1, 2, 3].map(() => createCustomer(t, 100_000)));
    const batches = terminals.map((terminal, i) =>
      Array.from({ length: 30 }, (_, j) => {
        const customer = customers[(i + j) % customers.length];
        if (customer === undefined) throw new Error('no customer');
        return terminal.payment(customer.phone.mint(), 10 + i);
      }),
    );
    const replies = await Promise.all(terminals.map((terminal, i) => terminal.sendJournal(batches[i] ?? [])));
    for (const reply of replies) expect(reply.body.results.every((r) => r.status === 'accepted')).toBe(true);
    const settled = (await Promise.all(terminals.map(outcomesOf))).flatMap((m) => [...m.values()]).filter((o) => o === 'settled');
    expect(settled.length).toBeGreaterThanOrEqual(120);
    const total = (await Promise.all(customers.map((c) => walletBalance(t, c.accountId)))).reduce((x, y) => x + y, 0);
    expect(total).toBe(300_000 - 30 * (10 + 11 + 12 + 13));
  });
});
