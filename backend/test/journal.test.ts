import { GENESIS_HASH, sealRecord, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestTerminal, uuidv7, type JournalReply } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';

/** A declined payment: stored, never settled, so these tests see ingestion alone. */
function declined(terminal: TestTerminal, extra: Partial<JournalRecord> = {}): JournalRecord {
  return terminal.record({ decision: 'declined', reason: 'malformed', token: null, amount: 300, ...extra });
}

function statuses(reply: JournalReply): string[] {
  return reply.results.map((r) => (r.status === 'rejected' ? `rejected:${r.code ?? ''}` : r.status));
}

describe.each(TEST_DIALECTS)('journal ingestion on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts at seq 0 with the genesis hash, accepts a chain, and is idempotent by id', async () => {
    const terminal = await TestTerminal.enrolled(t);
    expect((await terminal.signed('GET', '/v1/terminal/head')).body).toEqual({ seq: 0, hash: GENESIS_HASH });
    const records = [declined(terminal), declined(terminal), declined(terminal)];
    const first = await terminal.sendJournal(records);
    expect(first.status).toBe(200);
    expect(statuses(first.body)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(first.body.head).toEqual({ seq: 3, hash: records[2]?.hash });
    const again = await terminal.sendJournal(records);
    expect(statuses(again.body)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.body.head.seq).toBe(3);
    // A resend that overlaps the head and continues it.
    const next = declined(terminal);
    expect(statuses((await terminal.sendJournal([records[2], next])).body)).toEqual(['duplicate', 'accepted']);
    expect((await terminal.signed('GET', '/v1/terminal/head')).body).toEqual({ seq: 4, hash: next.hash });
    expect((await terminal.sendJournal([])).body).toEqual({ results: [], head: { seq: 4, hash: next.hash } });
  });

  it('stops at the first record that does not fit and reports where the chain ends', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const one = declined(terminal);
    declined(terminal); // seq 2, never sent
    const three = declined(terminal);
    const four = declined(terminal);
    const reply = await terminal.sendJournal([one, three, four]);
    expect(statuses(reply.body)).toEqual(['accepted', 'rejected:chain_gap']);
    expect(reply.body.results[1]?.id).toBe(three.id);
    expect(reply.body.head).toEqual({ seq: 1, hash: one.hash });
  });

  it('rejects malformed records, foreign records, bad hashes, bad signatures and time going back', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const other = await TestTerminal.enrolled(t);
    const good = declined(terminal);
    const check = async (record: unknown, code: string) => {
      const reply = await terminal.sendJournal([record]);
      expect(statuses(reply.body)).toEqual([`rejected:${code}`]);
      expect(reply.body.head).toEqual({ seq: 0, hash: GENESIS_HASH });
    };
    await check({ ...good, extra: 1 }, 'malformed_record');
    await check({ id: 'x' }, 'malformed_record');
    await check(declined(other), 'terminal_mismatch');
    await check({ ...good, amount: good.amount + 1 }, 'bad_hash');
    const forged = sealRecord(nodeEd25519, other.seed, { ...good, hash: undefined, signature: undefined } as never);
    await check(forged, 'bad_signature');
    expect((await terminal.sendJournal([good])).body.head.seq).toBe(1);
    const earlier = sealRecord(nodeEd25519, terminal.seed, {
      ...good,
      id: uuidv7(t.clock, { bytes: (n) => new Uint8Array(n).fill(7) }),
      seq: 2,
      prevHash: good.hash,
      createdAt: good.createdAt - 1,
    });
    const reply = await terminal.sendJournal([earlier]);
    expect(statuses(reply.body)).toEqual(['rejected:time_went_back']);
    const malformedReply = await terminal.sendJournal([{ id: 'x' }]);
    expect(malformedReply.body.results[0]).toMatchObject({ id: 'x', code: 'malformed_record', detail: expect.stringMatching(/^id:/) as unknown });
  });

  it('answers a different record at a stored id or seq, or a fork, with conflict and a tamper flag', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const base = { ...terminal.head };
    const one = declined(terminal);
    const two = declined(terminal);
    expect(statuses((await terminal.sendJournal([one, two])).body)).toEqual(['accepted', 'accepted']);

    // Same seq 2, different content (a rewritten history).
    terminal.head = { seq: 1, hash: one.hash, createdAt: one.createdAt };
    const rewritten = declined(terminal, { amount: 999 });
    const reply = await terminal.sendJournal([rewritten]);
    expect(statuses(reply.body)).toEqual(['rejected:conflict']);
    expect(reply.body.head).toEqual({ seq: 2, hash: two.hash });

    // Same id as a stored record, different content.
    const sameId = sealRecord(nodeEd25519, terminal.seed, { ...two, amount: 1, hash: undefined, signature: undefined } as never);
    expect(statuses((await terminal.sendJournal([sameId])).body)).toEqual(['rejected:conflict']);

    // A fork: seq 3 that does not follow the stored seq 2.
    terminal.head = { seq: 2, hash: rewritten.hash, createdAt: rewritten.createdAt };
    expect(statuses((await terminal.sendJournal([declined(terminal)])).body)).toEqual(['rejected:conflict']);

    const flags = await t.admin<{ flags: { kind: string; terminalId: string }[] }>('GET', '/v1/admin/flags?kind=chain_conflict');
    expect(flags.flags.filter((f) => f.terminalId === terminal.id)).toHaveLength(3);
    expect(base.seq).toBe(0);
  });

  it('takes 500 records in one request and refuses more', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const batch = Array.from({ length: 500 }, () => declined(terminal));
    const reply = await terminal.sendJournal(batch);
    expect(reply.status).toBe(200);
    expect(reply.body.results.every((r) => r.status === 'accepted')).toBe(true);
    expect(reply.body.head.seq).toBe(500);
    const tooMany = await terminal.sendJournal(Array.from({ length: 501 }, () => declined(terminal)));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ code: 'batch_too_large' });
  });

  it('quarantines what a revoked terminal uploads, and refuses it everything else', async () => {
    const terminal = await TestTerminal.enrolled(t);
    const before = declined(terminal, { decision: 'approved', reason: null, amount: 700 });
    await t.admin('POST', `/v1/admin/terminals/${terminal.id}/revoke`);
    const reply = await terminal.sendJournal([before]);
    expect(statuses(reply.body)).toEqual(['accepted']);
    // Issue 9 §4: the head comes with the upload's reply; asked on its own it is refused like the rest.
    expect(reply.body.head).toEqual({ seq: 1, hash: before.hash });
    expect((await terminal.signed('GET', '/v1/terminal/head')).status).toBe(403);
    expect((await terminal.signed('GET', '/v1/terminal/outcomes')).status).toBe(403);
    expect((await terminal.signed('GET', '/v1/terminal/trust')).status).toBe(403);
    const stored = await t.backend.db.kysely.selectFrom('journal_records').select('status').where('id', '=', before.id).executeTakeFirst();
    expect(stored?.status).toBe('quarantined');
    const flags = await t.admin<{ flags: { kind: string; terminalId: string; amount: number }[] }>('GET', '/v1/admin/flags?kind=quarantined_record');
    expect(flags.flags.find((f) => f.terminalId === terminal.id)).toMatchObject({ amount: 700 });
  });

  it('flags a store where forged-looking codes keep being declined', async () => {
    const store = await t.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Suspicious' });
    const terminal = await TestTerminal.enrolled(t, store.id);
    const threshold = t.backend.config.journal.suspiciousDeclineThreshold;
    const batch = Array.from({ length: threshold }, () => declined(terminal, { reason: 'bad_token_signature' }));
    await terminal.sendJournal(batch.slice(0, threshold - 1));
    const none = await t.admin<{ flags: { storeId: string }[] }>('GET', '/v1/admin/flags?kind=suspicious_declines');
    expect(none.flags.filter((f) => f.storeId === store.id)).toHaveLength(0);
    await terminal.sendJournal(batch.slice(threshold - 1));
    await terminal.sendJournal([declined(terminal, { reason: 'bad_token_signature' })]);
    const flagged = await t.admin<{ flags: { storeId: string }[] }>('GET', '/v1/admin/flags?kind=suspicious_declines');
    expect(flagged.flags.filter((f) => f.storeId === store.id)).toHaveLength(1);
  });
});
