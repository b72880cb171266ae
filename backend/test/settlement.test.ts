import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, createStore, TestTerminal, walletBalance } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';
import { expectLedgerBalanced } from './ledgerCheck.js';

interface OutcomeReply {
  outcomes: { id: string; outcome: string; at: number }[];
  cursor: string;
}

async function outcomes(terminal: TestTerminal, after?: string): Promise<OutcomeReply> {
  const reply = await terminal.signed<OutcomeReply>('GET', `/v1/terminal/outcomes${after === undefined ? '' : `?after=${after}`}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

async function outcomeOf(terminal: TestTerminal, recordId: string): Promise<string | undefined> {
  return (await outcomes(terminal)).outcomes.find((o) => o.id === recordId)?.outcome;
}

async function balance(t: TestBackend, accountId: string): Promise<number> {
  const row = await t.backend.db.kysely.selectFrom('ledger_accounts').select('balance').where('id', '=', accountId).executeTakeFirst();
  return row?.balance ?? 0;
}

const storeAccount = (storeId: string) => `store:${storeId}:392`;
const LOSS = 'operator_loss:392';

async function flagsOf(t: TestBackend, kind: string): Promise<{ recordId: string | null; deviceId: string | null; amount: number | null }[]> {
  return (await t.admin<{ flags: { recordId: string | null; deviceId: string | null; amount: number | null }[] }>('GET', `/v1/admin/flags?kind=${kind}`)).flags;
}

describe.each(TEST_DIALECTS)('settlement on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await expectLedgerBalanced(t.backend.db);
  });

  it('settles an offline approval: the wallet pays the store, the outcome is served after a cursor', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 10_000);
    const payment = terminal.payment(customer.phone.mint(), 1200);
    const reply = await terminal.sendJournal([payment]);
    expect(reply.body.results).toEqual([{ id: payment.id, status: 'accepted' }]);
    expect(await walletBalance(t, customer.accountId)).toBe(8800);
    expect(await balance(t, storeAccount(terminal.storeId))).toBe(1200);
    const first = await outcomes(terminal);
    expect(first.outcomes).toEqual([{ id: payment.id, outcome: 'settled', at: t.clock.nowMs() }]);
    expect((await outcomes(terminal, first.cursor)).outcomes).toEqual([]);

    const second = terminal.payment(customer.phone.mint(), 300);
    await terminal.sendJournal([payment, second]); // the resend of the first changes nothing
    const later = await outcomes(terminal, first.cursor);
    expect(later.outcomes.map((o) => [o.id, o.outcome])).toEqual([[second.id, 'settled']]);
    expect(await walletBalance(t, customer.accountId)).toBe(8500);
    const bad = await terminal.signed('GET', '/v1/terminal/outcomes?after=abc');
    expect(bad.status).toBe(400);
  });

  it('tells a copied code (duplicate_token: flagged, not revoked) from a cloned key (cloned_device: revoked)', async () => {
    const storeId = await createStore(t);
    const a = await TestTerminal.enrolled(t, storeId);
    const b = await TestTerminal.enrolled(t, storeId);
    const customer = await createCustomer(t, 10_000);
    const token = customer.phone.mint();
    const first = a.payment(token, 1000);
    const copy = b.payment(token, 1000);
    await a.sendJournal([first]);
    await b.sendJournal([copy]);
    expect(await outcomeOf(a, first.id)).toBe('settled');
    expect(await outcomeOf(b, copy.id)).toBe('duplicate_token');
    expect(await walletBalance(t, customer.accountId)).toBe(9000); // charged once
    expect(await balance(t, LOSS)).toBe(-1000); // the copy is honoured by the operator
    expect((await flagsOf(t, 'duplicate_token')).find((f) => f.recordId === copy.id)).toMatchObject({ amount: 1000, deviceId: customer.deviceId });
    expect((await a.refreshTrust()).revokedDevices.map((r) => r.deviceId)).not.toContain(customer.deviceId);

    // Same counter, different signed bytes: only a second holder of the key can make that.
    const counter = customer.phone.nextCounter;
    const original = a.payment(customer.phone.mint({ counter }), 500);
    const clone = b.payment(customer.phone.mint({ counter, issuedAt: t.clock.nowS() - 1 }), 500);
    await a.sendJournal([original]);
    await b.sendJournal([clone]);
    expect(await outcomeOf(b, clone.id)).toBe('cloned_device');
    expect((await a.refreshTrust()).revokedDevices.map((r) => r.deviceId)).toContain(customer.deviceId);
    expect((await flagsOf(t, 'cloned_device')).find((f) => f.recordId === clone.id)).toMatchObject({ deviceId: customer.deviceId });

    // A reviewer resolves the copy's flag: it leaves the unresolved list.
    const flag = (await t.admin<{ flags: { id: string; recordId: string }[] }>('GET', '/v1/admin/flags?kind=duplicate_token')).flags.find(
      (f) => f.recordId === copy.id,
    );
    const resolved = await t.admin<{ resolvedAt: number }>('POST', `/v1/admin/flags/${flag?.id ?? ''}/resolve`);
    expect(resolved.resolvedAt).toBe(t.clock.nowMs());
    const open = await t.admin<{ flags: { id: string }[] }>('GET', '/v1/admin/flags?unresolved=true&kind=duplicate_token');
    expect(open.flags.map((f) => f.id)).not.toContain(flag?.id);
    expect((await t.request('POST', '/v1/admin/flags/nope/resolve', { admin: true })).status).toBe(404);
  });

  it('charges what an overdrawn wallet has, covers the rest, flags it and revokes the phone', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 500);
    const one = terminal.payment(customer.phone.mint(), 400);
    const two = terminal.payment(customer.phone.mint(), 400);
    await terminal.sendJournal([one, two]);
    expect(await outcomeOf(terminal, one.id)).toBe('settled');
    expect(await outcomeOf(terminal, two.id)).toBe('insufficient_funds');
    expect(await walletBalance(t, customer.accountId)).toBe(0);
    expect(await balance(t, storeAccount(terminal.storeId))).toBe(800); // the merchant is paid in full
    expect((await flagsOf(t, 'insufficient_funds')).find((f) => f.recordId === two.id)).toMatchObject({ amount: 300 });
    expect((await terminal.refreshTrust()).revokedDevices.map((r) => r.deviceId)).toContain(customer.deviceId);
  });

  it('leaves an approval of a device the terminal knew was revoked to the merchant, and honours one it could not know', async () => {
    const storeId = await createStore(t);
    const informed = await TestTerminal.enrolled(t, storeId);
    const stale = await TestTerminal.enrolled(t, storeId);
    const customer = await createCustomer(t, 5000);
    await t.admin('POST', `/v1/admin/devices/${customer.deviceId}/revoke`);
    await informed.refreshTrust(); // now holds a bundle listing the device
    const known = informed.payment(customer.phone.mint(), 700);
    const unknown = stale.payment(customer.phone.mint(), 700); // still on the enrollment bundle
    await informed.sendJournal([known]);
    await stale.sendJournal([unknown]);
    expect(await outcomeOf(informed, known.id)).toBe('device_was_revoked');
    expect(await outcomeOf(stale, unknown.id)).toBe('settled');
    expect(await walletBalance(t, customer.accountId)).toBe(5000); // a lost phone costs the customer nothing
    expect(await balance(t, storeAccount(storeId))).toBe(700);
    // Claiming an older bundle than one it fetched does not help a terminal.
    const claimsOld = informed.payment(customer.phone.mint(), 100, { trustSerial: 1 });
    await informed.sendJournal([claimsOld]);
    expect(await outcomeOf(informed, claimsOld.id)).toBe('device_was_revoked');
  });

  it('re-verifies at createdAt, bounded by the previous sync − skew and the arrival', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 5000);
    const expired = terminal.payment(customer.phone.mint({ issuedAt: t.clock.nowS() - 120 }), 100);
    const enrolledAt = t.clock.nowS();
    // A decline made early, sent 2000 s later in a short batch: the terminal has caught up then.
    const early = terminal.record({ decision: 'declined', reason: 'token_expired', createdAt: (enrolledAt + 10) * 1000 });
    t.clock.advance(2000_000);
    await terminal.sendJournal([expired, early]);
    expect(await outcomeOf(terminal, expired.id)).toBe('invalid_token');
    const syncedAt = t.clock.nowS();

    t.clock.advance(600_000);
    // Claims a time before that sync, when its code was fresh: checked at the sync − skew instead.
    const claimed = syncedAt - 500;
    const backdated = terminal.payment(customer.phone.mint({ issuedAt: claimed - 5 }), 100, { createdAt: claimed * 1000 });
    // Honestly dated after the sync: checked at its createdAt.
    const honest = terminal.payment(customer.phone.mint({ issuedAt: t.clock.nowS() - 100 }), 100, {
      createdAt: (t.clock.nowS() - 95) * 1000,
    });
    await terminal.sendJournal([backdated, honest]);
    expect(await outcomeOf(terminal, backdated.id)).toBe('invalid_token');
    expect(await outcomeOf(terminal, honest.id)).toBe('settled');

    // Dated in the future: checked at the arrival, when the code is not yet valid.
    const future = await TestTerminal.enrolled(t);
    const ahead = t.clock.nowS() + 3600;
    const fromFuture = future.payment(customer.phone.mint({ issuedAt: ahead }), 100, { createdAt: ahead * 1000 });
    await future.sendJournal([fromFuture]);
    expect(await outcomeOf(future, fromFuture.id)).toBe('invalid_token');
    expect(await walletBalance(t, customer.accountId)).toBe(4900);
  });

  it('refunds up to what the payment took minus earlier refunds, at the same store only', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const elsewhere = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 10_000);
    const payment = terminal.payment(customer.phone.mint(), 1200);
    const r1 = terminal.record({ kind: 'refund', amount: 500, ref: payment.id });
    const r2 = terminal.record({ kind: 'refund', amount: 800, ref: payment.id });
    const r3 = terminal.record({ kind: 'refund', amount: 700, ref: payment.id });
    await terminal.sendJournal([payment, r1, r2, r3]);
    const foreign = elsewhere.record({ kind: 'refund', amount: 100, ref: payment.id });
    await elsewhere.sendJournal([foreign]);
    const unknownRef = terminal.record({ kind: 'refund', amount: 100, ref: '01900000-0000-7000-8000-000000000000' });
    await terminal.sendJournal([unknownRef]);
    const got = Object.fromEntries((await outcomes(terminal)).outcomes.map((o) => [o.id, o.outcome]));
    expect([got[payment.id], got[r1.id], got[r2.id], got[r3.id], got[unknownRef.id]]).toEqual([
      'settled',
      'refund_settled',
      'refund_refused',
      'refund_settled',
      'refund_refused',
    ]);
    expect(await outcomeOf(elsewhere, foreign.id)).toBe('refund_refused');
    expect(await walletBalance(t, customer.accountId)).toBe(10_000);
    expect(await balance(t, storeAccount(terminal.storeId))).toBe(0);
  });

  it('voids: reverses what is left of the payment once', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 3000);
    const payment = terminal.payment(customer.phone.mint(), 1000);
    const refund = terminal.record({ kind: 'refund', amount: 300, ref: payment.id });
    const voided = terminal.record({ kind: 'void', amount: 1000, ref: payment.id });
    const again = terminal.record({ kind: 'void', amount: 1000, ref: payment.id });
    await terminal.sendJournal([payment, refund, voided, again]);
    expect(await outcomeOf(terminal, voided.id)).toBe('void_settled');
    expect(await outcomeOf(terminal, again.id)).toBe('void_settled');
    expect(await walletBalance(t, customer.accountId)).toBe(3000);
    expect(await balance(t, storeAccount(terminal.storeId))).toBe(0);
    expect((await flagsOf(t, 'void_unknown_payment')).map((f) => f.recordId)).toContain(again.id);
  });

  it('stores declined payments without an outcome', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 1000);
    const declined = terminal.payment(customer.phone.mint(), 50_000, { decision: 'declined', reason: 'over_payment_limit' });
    await terminal.sendJournal([declined]);
    expect((await outcomes(terminal)).outcomes).toEqual([]);
    const stored = await t.backend.db.kysely.selectFrom('journal_records').select(['device_id', 'decision']).where('id', '=', declined.id).executeTakeFirst();
    expect(stored).toEqual({ device_id: customer.deviceId, decision: 'declined' });
  });
});
