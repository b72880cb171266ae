import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../src/maintenance.js';
import { createCustomer, TestTerminal, walletBalance, type SignedResponse } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';
import { expectLedgerBalanced } from './ledgerCheck.js';

interface Decision {
  authorization: string;
  decision: 'approved' | 'declined';
  reason?: string;
}

function authorize(terminal: TestTerminal, saleId: string, token: string, amount: number): Promise<SignedResponse<Decision>> {
  return terminal.signed<Decision>('POST', '/v1/terminal/authorize', { body: { saleId, token, amount, currency: 392 } });
}

async function outcomeOf(terminal: TestTerminal, recordId: string): Promise<string | undefined> {
  const reply = await terminal.signed<{ outcomes: { id: string; outcome: string }[] }>('GET', '/v1/terminal/outcomes');
  return reply.body.outcomes.find((o) => o.id === recordId)?.outcome;
}

describe.each(TEST_DIALECTS)('online authorization on %s', (dialect) => {
  let t: TestBackend;
  let terminal: TestTerminal;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
    terminal = await TestTerminal.enrolled(t);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await expectLedgerBalanced(t.backend.db);
  });

  it('approves and reserves; the journal record consumes the reservation', async () => {
    const customer = await createCustomer(t, 1000);
    const token = customer.phone.mint();
    const approved = await authorize(terminal, 'sale-1', token, 700);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ authorization: expect.any(String) as unknown, decision: 'approved' });
    // Idempotent by saleId; a reuse with another amount is refused.
    expect((await authorize(terminal, 'sale-1', token, 700)).body).toEqual(approved.body);
    expect((await authorize(terminal, 'sale-1', token, 701)).status).toBe(409);
    // The reserved 700 are not available to another sale …
    const other = await authorize(terminal, 'sale-2', customer.phone.mint(), 400);
    expect(other.body).toMatchObject({ decision: 'declined', reason: 'insufficient_funds' });
    // … and the same code cannot be used again anywhere.
    expect((await authorize(terminal, 'sale-3', token, 10)).body).toMatchObject({ decision: 'declined', reason: 'replayed' });
    expect(await walletBalance(t, customer.accountId)).toBe(1000);

    const record = terminal.payment(token, 700, { authorization: approved.body.authorization });
    await terminal.sendJournal([record]);
    expect(await outcomeOf(terminal, record.id)).toBe('settled');
    expect(await walletBalance(t, customer.accountId)).toBe(300);
    expect((await authorize(terminal, 'sale-4', customer.phone.mint(), 300)).body.decision).toBe('approved');
  });

  it('declines with the stage B reason, and a device revoked after the last bundle', async () => {
    const customer = await createCustomer(t, 1000);
    const stale = await authorize(terminal, 'sale-5', customer.phone.mint({ issuedAt: t.clock.nowS() - 600 }), 100);
    expect(stale.body).toMatchObject({ decision: 'declined', reason: 'token_expired' });
    const garbage = await authorize(terminal, 'sale-6', 'not a code', 100);
    expect(garbage.body).toMatchObject({ decision: 'declined', reason: 'malformed' });
    const big = await authorize(terminal, 'sale-7', customer.phone.mint(), 5000);
    expect(big.body).toMatchObject({ decision: 'declined', reason: 'over_payment_limit' });

    const db = t.backend.db.kysely;
    await db.updateTable('devices').set({ status: 'revoked', revoked_at: t.clock.nowMs() }).where('id', '=', customer.deviceId).execute();
    const revoked = await authorize(terminal, 'sale-8', customer.phone.mint(), 100);
    expect(revoked.body).toMatchObject({ decision: 'declined', reason: 'device_revoked' });
  });

  it('releases a reservation not journaled within 10 minutes, and still settles a late record', async () => {
    const customer = await createCustomer(t, 1000);
    const token = customer.phone.mint();
    const approved = await authorize(terminal, 'sale-9', token, 800);
    expect(approved.body.decision).toBe('approved');
    const record = terminal.payment(token, 800, { authorization: approved.body.authorization });
    t.clock.advance(600_001);
    await runMaintenance(t.backend.context);
    const row = await t.backend.db.kysely
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', approved.body.authorization)
      .executeTakeFirst();
    expect(row?.status).toBe('released');
    expect((await authorize(terminal, 'sale-10', customer.phone.mint(), 900)).body.decision).toBe('approved');
    // The late record of the first sale: checked like an offline one, the wallet has 100 left.
    await terminal.sendJournal([record]);
    expect(await outcomeOf(terminal, record.id)).toBe('insufficient_funds');
  });

  it('treats an offline record of a sale the backend approved as that sale, not a copy', async () => {
    const customer = await createCustomer(t, 1000);
    const token = customer.phone.mint();
    const approved = await authorize(terminal, 'sale-11', token, 200);
    expect(approved.body.decision).toBe('approved');
    // The terminal timed out and approved offline: the record carries no authorization id.
    const record = terminal.payment(token, 200);
    await terminal.sendJournal([record]);
    expect(await outcomeOf(terminal, record.id)).toBe('settled');
    expect(await walletBalance(t, customer.accountId)).toBe(800);
    const reservation = await t.backend.db.kysely
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', approved.body.authorization)
      .executeTakeFirst();
    expect(reservation?.status).toBe('consumed');
  });
});
