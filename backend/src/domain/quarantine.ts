/**
 * Review of quarantined records (DESIGN.md "Terminals": records a revoked terminal made before
 * its revocation are quarantined for review, not lost).
 *
 * A revoked terminal's uploads are stored with status 'quarantined' and never settled on
 * arrival. An admin lists them (told apart by whether they were made — `createdAt` — before
 * the revocation) and releases a terminal's records made before its revocation: they are
 * settled in seq order through the normal settlement path, with the verification bounds of the
 * upload that brought them, and become 'accepted'. Records made after the revocation stay held.
 */
import { journalRecordFromRow } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { inTransaction, lockRows } from '../db/database.js';
import type { Terminal } from '../db/schema.js';
import { ProblemError } from '../http/problemError.js';
import { lockWallets, prepareRecords } from './journal.js';
import { chunks } from './ledger.js';
import { settleBatch, type PreparedRecord, type SettlementScope } from './settlement.js';

export interface QuarantinedRecordView {
  id: string;
  terminalId: string;
  storeId: string;
  seq: number;
  kind: string;
  amount: number;
  currency: number;
  decision: string;
  reason: string | null;
  createdAt: number;
  receivedAt: number;
  /** The token shortened (`TG1ABCD…WXYZ`): enough to recognise, never the code itself. */
  token: string | null;
  /** Made at or before the terminal's revocation: what a release settles. */
  beforeRevocation: boolean;
}

export interface ReleaseResult {
  terminalId: string;
  /** Settled and accepted by this call (0 when called again). */
  released: number;
  /** Still quarantined: records made after the revocation. */
  held: number;
  outcomes: { recordId: string; outcome: string }[];
}


export function shortenToken(token: string | null): string | null {
  if (token === null) return null;
  return token.length <= 12 ? '…' : `${token.slice(0, 7)}…${token.slice(-4)}`;
}

const madeBeforeRevocation = (row: { created_at: number }, revokedAt: number | null): boolean => revokedAt !== null && row.created_at <= revokedAt;

async function terminalOr404(ctx: AppContext, terminalId: string): Promise<Terminal> {
  const terminal = await ctx.db.kysely.selectFrom('terminals').selectAll().where('id', '=', terminalId).executeTakeFirst();
  if (terminal === undefined) throw ProblemError.of(404, 'terminal_not_found', 'No such terminal');
  return terminal;
}

/** Quarantined records, by terminal then seq. */
export async function listQuarantine(ctx: AppContext, options: { terminalId?: string; limit: number }): Promise<QuarantinedRecordView[]> {
  if (options.terminalId !== undefined) await terminalOr404(ctx, options.terminalId);
  let query = ctx.db.kysely
    .selectFrom('journal_records')
    .innerJoin('terminals', 'terminals.id', 'journal_records.terminal_id')
    .select([
      'journal_records.id',
      'journal_records.terminal_id',
      'journal_records.store_id',
      'journal_records.seq',
      'journal_records.kind',
      'journal_records.amount',
      'journal_records.currency',
      'journal_records.decision',
      'journal_records.reason',
      'journal_records.created_at',
      'journal_records.received_at',
      'journal_records.token',
      'terminals.revoked_at',
    ])
    .where('journal_records.status', '=', 'quarantined')
    .orderBy('journal_records.terminal_id')
    .orderBy('journal_records.seq')
    .limit(options.limit);
  if (options.terminalId !== undefined) query = query.where('journal_records.terminal_id', '=', options.terminalId);
  return (await query.execute()).map((row) => ({
    id: row.id,
    terminalId: row.terminal_id,
    storeId: row.store_id,
    seq: row.seq,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    decision: row.decision,
    reason: row.reason,
    createdAt: row.created_at,
    receivedAt: row.received_at,
    token: shortenToken(row.token),
    beforeRevocation: madeBeforeRevocation(row, row.revoked_at),
  }));
}

/** The lower verification bound of the upload that brought each seq (from its quarantined_record flag). */
async function uploadBounds(ctx: AppContext, terminal: Terminal): Promise<(seq: number) => number | undefined> {
  const rows = await ctx.db.kysely
    .selectFrom('flags')
    .select('detail')
    .where('kind', '=', 'quarantined_record')
    .where('terminal_id', '=', terminal.id)
    .execute();
  const ranges: { from: number; to: number; lowerBoundMs: number }[] = [];
  for (const row of rows) {
    if (row.detail === null) continue;
    const detail = JSON.parse(row.detail) as { fromSeq?: unknown; toSeq?: unknown; lowerBoundMs?: unknown };
    const { fromSeq, toSeq, lowerBoundMs } = detail;
    if (typeof fromSeq === 'number' && typeof toSeq === 'number' && typeof lowerBoundMs === 'number') {
      ranges.push({ from: fromSeq, to: toSeq, lowerBoundMs });
    }
  }
  return (seq) => ranges.find((r) => r.from <= seq && seq <= r.to)?.lowerBoundMs;
}

/**
 * Settles the terminal's quarantined records made before its revocation, in seq order, through
 * the normal settlement path (same outcomes, ledger, flags, outcome rows), and marks them
 * 'accepted'. Idempotent: a second call finds nothing to release. The terminal's
 * quarantined_record flags are resolved once nothing from before the revocation is held.
 */
export async function releaseQuarantine(ctx: AppContext, terminalId: string): Promise<ReleaseResult> {
  const before = await terminalOr404(ctx, terminalId);
  const revokedAt = before.revoked_at;
  const candidates =
    revokedAt === null
      ? []
      : await ctx.db.kysely
          .selectFrom('journal_records')
          .selectAll()
          .where('terminal_id', '=', terminalId)
          .where('status', '=', 'quarantined')
          .where('created_at', '<=', revokedAt)
          .orderBy('seq')
          .execute();
  const records = candidates.map(journalRecordFromRow);
  const receivedAt = new Map(candidates.map((row) => [row.id, row.received_at]));
  const lowerBoundOf = await uploadBounds(ctx, before);
  const skewMs = ctx.config.policy.clockSkewSeconds * 1000;
  // Uploads quarantined before their bounds were recorded fall back to the enrollment: the
  // admin who releases them has reviewed them.
  const fallbackLowerBoundMs = before.enrolled_at - skewMs;
  // Tokens are verified before the transaction, like at ingestion.
  const prepared = await prepareRecords(ctx, before, records, (record) => ({
    lowerBoundMs: lowerBoundOf(record.seq) ?? fallbackLowerBoundMs,
    arrivalMs: receivedAt.get(record.id) ?? ctx.clock.nowMs(),
  }));
  const revokedDevices = new Set<string>();

  const result = await inTransaction(ctx.db, async (trx) => {
    revokedDevices.clear();
    const terminal = await lockRows(ctx.db, trx.selectFrom('terminals').selectAll().where('id', '=', terminalId)).executeTakeFirstOrThrow();
    // Only what is still quarantined now (a concurrent release may have taken some).
    const still = new Set<string>();
    for (const chunk of chunks(records.map((r) => r.id), 500)) {
      const rows = await trx
        .selectFrom('journal_records')
        .select('id')
        .where('id', 'in', chunk)
        .where('status', '=', 'quarantined')
        .execute();
      for (const row of rows) still.add(row.id);
    }
    const toSettle: PreparedRecord[] = [];
    for (const record of records) {
      if (!still.has(record.id)) continue;
      const p = prepared.get(record.id);
      if (p === undefined) throw new Error('a record was not prepared');
      toSettle.push(p);
    }
    await lockWallets(ctx, trx, terminal, toSettle.map((p) => p.record));
    const scope: SettlementScope = { ctx, trx, terminal, revokedDevices };
    const settled = await settleBatch(scope, toSettle);
    let outcomeSeq = terminal.outcome_seq;
    const at = ctx.clock.nowMs();
    const outcomeRows = settled.map(({ recordId, outcome }) => ({ terminal_id: terminalId, seq: ++outcomeSeq, record_id: recordId, outcome, at }));
    for (const chunk of chunks(outcomeRows, 500)) await trx.insertInto('outcomes').values(chunk).execute();
    if (outcomeSeq !== terminal.outcome_seq) {
      await trx.updateTable('terminals').set({ outcome_seq: outcomeSeq }).where('id', '=', terminalId).execute();
    }
    for (const chunk of chunks(toSettle.map((p) => p.record.id), 500)) {
      await trx.updateTable('journal_records').set({ status: 'accepted' }).where('id', 'in', chunk).execute();
    }

    const remaining = await trx
      .selectFrom('journal_records')
      .select(['created_at'])
      .where('terminal_id', '=', terminalId)
      .where('status', '=', 'quarantined')
      .execute();
    const heldBefore = remaining.filter((row) => madeBeforeRevocation(row, terminal.revoked_at)).length;
    if (heldBefore === 0) {
      await trx
        .updateTable('flags')
        .set({ resolved_at: at })
        .where('kind', '=', 'quarantined_record')
        .where('terminal_id', '=', terminalId)
        .where('resolved_at', 'is', null)
        .execute();
    }
    return { terminalId, released: toSettle.length, held: remaining.length, outcomes: settled };
  });

  for (const { outcome } of result.outcomes) ctx.metrics.settlementOutcomes.inc({ outcome });
  if (revokedDevices.size > 0) await ctx.trust.rebuild(`devices revoked at settlement (${revokedDevices.size})`);
  ctx.logger.info({ terminalId, released: result.released, held: result.held }, 'quarantine released');
  return result;
}
