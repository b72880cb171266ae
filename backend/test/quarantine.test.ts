import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, TestTerminal, walletBalance } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { ADMIN_TOKEN, startTestBackend, type TestBackend } from './harness.js';
import { expectLedgerBalanced } from './ledgerCheck.js';

interface Quarantined {
  id: string;
  terminalId: string;
  seq: number;
  kind: string;
  amount: number;
  currency: number;
  decision: string;
  createdAt: number;
  token: string | null;
  beforeRevocation: boolean;
}
interface Release {
  terminalId: string;
  released: number;
  held: number;
  outcomes: { recordId: string; outcome: string }[];
}

describe.each(TEST_DIALECTS)('quarantine review on %s', (dialect) => {
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

  const outcomeRows = (terminalId: string) =>
    t.backend.db.kysely.selectFrom('outcomes').select(['record_id', 'outcome']).where('terminal_id', '=', terminalId).orderBy('seq').execute();
  const statusOf = async (id: string) =>
    (await t.backend.db.kysely.selectFrom('journal_records').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('lists records made before and after the revocation apart, and releases exactly the ones made before', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 10_000);
    const paid = terminal.payment(customer.phone.mint(), 1200);
    const declined = terminal.record({ decision: 'declined', reason: 'malformed', token: null, amount: 300 });
    t.clock.advance(1000);
    const revoked = await t.admin<{ revokedAt: number }>('POST', `/v1/admin/terminals/${terminal.id}/revoke`);
    t.clock.advance(1000);
    const after = terminal.payment(customer.phone.mint(), 500);
    expect(paid.createdAt).toBeLessThanOrEqual(revoked.revokedAt);
    expect(after.createdAt).toBeGreaterThan(revoked.revokedAt);
    const reply = await terminal.sendJournal([paid, declined, after]);
    expect(reply.body.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await walletBalance(t, customer.accountId)).toBe(10_000);

    const response = await t.request('GET', `/v1/admin/quarantine?terminalId=${terminal.id}`, { admin: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(paid.token ?? '-');
    const listed = (JSON.parse(text) as { records: Quarantined[] }).records;
    expect(listed.map((r) => [r.id, r.seq, r.kind, r.amount, r.decision, r.beforeRevocation])).toEqual([
      [paid.id, 1, 'payment', 1200, 'approved', true],
      [declined.id, 2, 'payment', 300, 'declined', true],
      [after.id, 3, 'payment', 500, 'approved', false],
    ]);
    expect(listed[0]).toMatchObject({ terminalId: terminal.id, currency: 392, createdAt: paid.createdAt });
    expect(listed[0]?.token).toMatch(/^TG1.{4}….{4}$/u);
    expect(listed[1]?.token).toBeNull();
    const everything = await t.admin<{ records: Quarantined[] }>('GET', '/v1/admin/quarantine');
    expect(everything.records.filter((r) => r.terminalId === terminal.id)).toHaveLength(3);

    const first = await t.admin<Release>('POST', '/v1/admin/quarantine/release', { terminalId: terminal.id });
    expect(first).toEqual({ terminalId: terminal.id, released: 2, held: 1, outcomes: [{ recordId: paid.id, outcome: 'settled' }] });
    expect(await walletBalance(t, customer.accountId)).toBe(8800);
    expect(await outcomeRows(terminal.id)).toEqual([{ record_id: paid.id, outcome: 'settled' }]);
    expect([await statusOf(paid.id), await statusOf(declined.id), await statusOf(after.id)]).toEqual(['accepted', 'accepted', 'quarantined']);
    const settlement = await t.backend.db.kysely.selectFrom('settlements').selectAll().where('record_id', '=', paid.id).executeTakeFirst();
    expect(settlement).toMatchObject({ outcome: 'settled', from_wallet: 1200, to_store: 1200 });
    const open = await t.admin<{ flags: { kind: string; terminalId: string }[] }>('GET', '/v1/admin/flags?kind=quarantined_record&unresolved=true');
    expect(open.flags.filter((f) => f.terminalId === terminal.id)).toEqual([]);
    const all = await t.admin<{ flags: { terminalId: string; resolvedAt: number | null }[] }>('GET', '/v1/admin/flags?kind=quarantined_record');
    expect(all.flags.filter((f) => f.terminalId === terminal.id).length).toBeGreaterThan(0);

    const remaining = await t.admin<{ records: Quarantined[] }>('GET', `/v1/admin/quarantine?terminalId=${terminal.id}`);
    expect(remaining.records.map((r) => [r.id, r.beforeRevocation])).toEqual([[after.id, false]]);

    // A second release changes nothing.
    t.clock.advance(1000);
    const again = await t.admin<Release>('POST', '/v1/admin/quarantine/release', { terminalId: terminal.id });
    expect(again).toEqual({ terminalId: terminal.id, released: 0, held: 1, outcomes: [] });
    expect(await walletBalance(t, customer.accountId)).toBe(8800);
    expect(await outcomeRows(terminal.id)).toHaveLength(1);
    expect(await statusOf(after.id)).toBe('quarantined');
  });

  it('refuses a revoked terminal everything but its journal upload, fresh signature or old', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const customer = await createCustomer(t, 5_000);
    const oldSignatureAt = t.clock.nowMs();
    expect((await terminal.signed('GET', '/v1/terminal/head')).status).toBe(200);
    t.clock.advance(1000);
    await t.admin('POST', `/v1/admin/terminals/${terminal.id}/revoke`);
    t.clock.advance(1000);
    const requests: [string, string, unknown][] = [
      ['GET', '/v1/terminal/head', undefined],
      ['GET', '/v1/terminal/trust?serial=0', undefined],
      ['GET', '/v1/terminal/outcomes?after=0', undefined],
      ['POST', '/v1/terminal/authorize', { saleId: '0190a0a0-0000-7000-8000-000000000001', token: customer.phone.mint(), amount: 100, currency: 392 }],
    ];
    for (const [method, target, body] of requests) {
      for (const timestampMs of [t.clock.nowMs(), oldSignatureAt]) {
        const reply = await terminal.signed<{ code: string }>(method, target, { ...(body === undefined ? {} : { body }), timestampMs });
        expect([method, target, reply.status, reply.body.code]).toEqual([method, target, 403, 'terminal_revoked']);
      }
    }
    // Its journal is still taken (and quarantined), so the sales it made reach an admin.
    const paid = terminal.payment(customer.phone.mint(), 700);
    const upload = await terminal.sendJournal([paid]);
    expect(upload.status).toBe(200);
    expect(upload.body.results).toEqual([{ id: paid.id, status: 'accepted' }]);
    expect(upload.body.head).toEqual({ seq: 1, hash: paid.hash });
    expect(await statusOf(paid.id)).toBe('quarantined');
    expect(await walletBalance(t, customer.accountId)).toBe(5_000);
  });

  it('releases through the normal settlement path: a copied code is still a duplicate_token', async () => {
    const storeId = (await t.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Copies' })).id;
    const good = await TestTerminal.enrolled(t, storeId);
    const lost = await TestTerminal.enrolled(t, storeId);
    const customer = await createCustomer(t, 5000);
    const token = customer.phone.mint();
    await good.sendJournal([good.payment(token, 1000)]);
    const copy = lost.payment(token, 1000);
    const own = lost.payment(customer.phone.mint(), 700);
    t.clock.advance(1000);
    await t.admin('POST', `/v1/admin/terminals/${lost.id}/revoke`);
    await lost.sendJournal([copy, own]);
    const released = await t.admin<Release>('POST', '/v1/admin/quarantine/release', { terminalId: lost.id });
    expect(released.outcomes).toEqual([
      { recordId: copy.id, outcome: 'duplicate_token' },
      { recordId: own.id, outcome: 'settled' },
    ]);
    expect(released).toMatchObject({ released: 2, held: 0 });
    expect(await walletBalance(t, customer.accountId)).toBe(3300);
    const duplicates = await t.admin<{ flags: { recordId: string | null }[] }>('GET', '/v1/admin/flags?kind=duplicate_token');
    expect(duplicates.flags.some((f) => f.recordId === copy.id)).toBe(true);
  });

  it('answers an unknown terminal with a 404 problem and a missing admin token with 401', async () => {
    const missing = await t.request('POST', '/v1/admin/quarantine/release', { admin: true, body: { terminalId: 'trm_nope' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, code: 'terminal_not_found' });
    const missingList = await t.request('GET', '/v1/admin/quarantine?terminalId=trm_nope', { admin: true });
    expect(missingList.status).toBe(404);
    expect(await missingList.json()).toMatchObject({ code: 'terminal_not_found' });

    expect((await t.request('GET', '/v1/admin/quarantine')).status).toBe(401);
    expect((await t.request('POST', '/v1/admin/quarantine/release', { body: { terminalId: 'trm_nope' } })).status).toBe(401);
    const wrong = await t.request('GET', '/v1/admin/quarantine', { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    expect(wrong.status).toBe(401);
  });
});
