/**
 * Journal ingestion (PROTOCOL.md §7–§8). A batch is processed in order in one database
 * transaction: each record is checked (shape, hash and signature, then its place in the
 * chain), stored once, and settled. Processing stops at the first record that does not fit;
 * the reply's head tells the terminal where the backend's copy of its chain ends.
 *
 * - `accepted`: stored now (settlement is a separate outcome, see GET /v1/terminal/outcomes);
 * - `duplicate`: already stored with the same hash (idempotent by id);
 * - `rejected`: `malformed_record`, `terminal_mismatch`, `bad_hash`, `bad_signature`,
 *   `conflict` (the same id or seq with another hash, or a fork: a tamper flag is raised),
 *   `chain_gap` (it does not follow the head), `time_went_back`.
 *
 * Records of a revoked terminal are stored but quarantined (not settled) for review; an admin
 * releases the ones made before the revocation (src/domain/quarantine.ts).
 */
import {
  fromBase64url,
  journalRecordToRow,
  parseJournalRecord,
  verifyRecord,
  type JournalRecord,
  type TrustBundleDocument,
} from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { inTransaction, lockRows } from '../db/database.js';
import type { NewJournalRow, Terminal } from '../db/schema.js';
import { ProblemError } from '../http/problemError.js';
import { raiseFlag } from './flags.js';
import { chunks, ensureLedgerAccount, storeAccountId, type Tx } from './ledger.js';
import { settleBatch, tokenDeviceId, verificationTime, type PreparedRecord, type SettlementScope } from './settlement.js';

export type RecordResult =
  | { id: string; status: 'accepted' | 'duplicate' }
  | { id: string; status: 'rejected'; code: RejectionCode; detail?: string };

export type RejectionCode =
  | 'malformed_record'
  | 'terminal_mismatch'
  | 'bad_hash'
  | 'bad_signature'
  | 'conflict'
  | 'chain_gap'
  | 'time_went_back';

export interface JournalReply {
  results: RecordResult[];
  head: { seq: number; hash: string };
}

/** Reasons that point at forged or tampered codes rather than at a customer's mistake. */
const SUSPICIOUS_REASONS = ['bad_token_signature', 'bad_cert_signature', 'unknown_issuer'];

export async function ingestJournal(ctx: AppContext, terminalId: string, records: readonly unknown[]): Promise<JournalReply> {
  const { config } = ctx;
  if (records.length > config.journal.maxBatch) {
    throw ProblemError.of(413, 'batch_too_large', `At most ${config.journal.maxBatch} records per request`);
  }
  const arrivalMs = ctx.clock.nowMs();
  const before = await ctx.db.kysely.selectFrom('terminals').selectAll().where('id', '=', terminalId).executeTakeFirstOrThrow();
  const skewMs = config.policy.clockSkewSeconds * 1000;
  const lowerBoundMs = (before.caught_up_at ?? before.enrolled_at) - skewMs;
  const parsed = records.map((raw) => parseJournalRecord(raw));
  // Tokens are verified before the transaction, against bundles read before it (SQLite has one
  // connection, which the transaction holds).
  const prepared = await prepareRecords(ctx, before, parsed.flatMap((p) => (p.ok ? [p.record] : [])), () => ({ lowerBoundMs, arrivalMs }));
  const revokedDevices = new Set<string>();
  let outcomes: { outcome: string }[] = [];

  const reply = await inTransaction(ctx.db, async (trx) => {
    revokedDevices.clear();
    const terminal = await lockRows(ctx.db, trx.selectFrom('terminals').selectAll().where('id', '=', terminalId)).executeTakeFirstOrThrow();
    await lockWallets(ctx, trx, terminal, parsed.flatMap((p) => (p.ok ? [p.record] : [])));
    const publicKey = fromBase64url(terminal.public_key) ?? new Uint8Array(0);
    const quarantine = terminal.status === 'revoked';
    let head = { seq: terminal.head_seq, hash: terminal.head_hash, createdAt: terminal.head_created_at };
    const scope: SettlementScope = { ctx, trx, terminal, revokedDevices };
    const stored: NewJournalRow[] = [];
    const toSettle: PreparedRecord[] = [];
    const results: RecordResult[] = [];
    const flagConflict = (record: JournalRecord, detail: Record<string, unknown>) =>
      raiseFlag(ctx, trx, {
        kind: 'chain_conflict',
        terminalId,
        storeId: terminal.store_id,
        recordId: record.id,
        amount: record.amount,
        currency: record.currency,
        detail: { seq: record.seq, hash: record.hash, ...detail },
      });

    const ids = parsed.flatMap((p) => (p.ok ? [p.record.id] : []));
    const known = new Map(
      ids.length === 0
        ? []
        : (
            await trx.selectFrom('journal_records').select(['id', 'terminal_id', 'seq', 'hash']).where('id', 'in', ids).execute()
          ).map((row) => [row.id, row]),
    );

    let quarantinedAmount = 0;
    let quarantinedCount = 0;
    let quarantinedFromSeq: number | null = null;
    for (const [index, result] of parsed.entries()) {
      const reject = (id: string, code: RejectionCode, detail?: string): void => {
        results.push({ id, status: 'rejected', code, ...(detail === undefined ? {} : { detail }) });
      };
      if (!result.ok) {
        reject(rawId(records[index]), 'malformed_record', `${result.field}: ${result.message}`);
        break;
      }
      const record = result.record;
      if (record.terminalId !== terminalId) {
        reject(record.id, 'terminal_mismatch');
        break;
      }
      const integrity = verifyRecord(ctx.ed, record, publicKey);
      if (!integrity.ok) {
        reject(record.id, integrity.code);
        break;
      }
      const existing = known.get(record.id);
      if (existing !== undefined) {
        if (existing.hash === record.hash) {
          results.push({ id: record.id, status: 'duplicate' });
          continue;
        }
        await flagConflict(record, { reason: 'same id, different hash', storedHash: existing.hash });
        reject(record.id, 'conflict', 'this id is stored with a different hash');
        break;
      }
      if (record.seq <= head.seq) {
        const atSeq = await trx
          .selectFrom('journal_records')
          .select('hash')
          .where('terminal_id', '=', terminalId)
          .where('seq', '=', record.seq)
          .executeTakeFirst();
        await flagConflict(record, { reason: 'same seq, different record', storedHash: atSeq?.hash ?? null });
        reject(record.id, 'conflict', `seq ${record.seq} is stored with a different record`);
        break;
      }
      if (record.seq !== head.seq + 1) {
        reject(record.id, 'chain_gap', `expected seq ${head.seq + 1}`);
        break;
      }
      if (record.prevHash !== head.hash) {
        await flagConflict(record, { reason: 'fork: prevHash is not the stored head', storedHeadHash: head.hash });
        reject(record.id, 'conflict', 'prevHash does not match the stored head');
        break;
      }
      if (head.createdAt !== null && record.createdAt < head.createdAt) {
        reject(record.id, 'time_went_back');
        break;
      }

      stored.push({
          ...journalRecordToRow(record),
          terminal_id: terminalId,
          store_id: terminal.store_id,
          received_at: arrivalMs,
          status: quarantine ? 'quarantined' : 'accepted',
          device_id: tokenDeviceId(record.token),
        });
      known.set(record.id, { id: record.id, terminal_id: terminalId, seq: record.seq, hash: record.hash });
      head = { seq: record.seq, hash: record.hash, createdAt: record.createdAt };
      results.push({ id: record.id, status: 'accepted' });

      if (quarantine) {
        quarantinedCount++;
        quarantinedFromSeq ??= record.seq;
        if (record.decision === 'approved') quarantinedAmount += record.amount;
        continue;
      }
      const preparedRecord = prepared.get(record.id);
      if (preparedRecord === undefined) throw new Error('a record was not prepared');
      toSettle.push(preparedRecord);
    }

    for (const chunk of chunks(stored, 400)) await trx.insertInto('journal_records').values(chunk).execute();
    const settled = await settleBatch(scope, toSettle);
    outcomes = settled;
    let outcomeSeq = terminal.outcome_seq;
    const at = ctx.clock.nowMs();
    const outcomeRows = settled.map(({ recordId, outcome }) => ({ terminal_id: terminalId, seq: ++outcomeSeq, record_id: recordId, outcome, at }));
    for (const chunk of chunks(outcomeRows, 500)) await trx.insertInto('outcomes').values(chunk).execute();

    if (quarantinedCount > 0) {
      await raiseFlag(ctx, trx, {
        kind: 'quarantined_record',
        terminalId,
        storeId: terminal.store_id,
        amount: quarantinedAmount,
        currency: config.policy.currency,
        // The verification bounds of this upload, so a release settles these records as this
        // upload would have (src/domain/quarantine.ts).
        detail: { records: quarantinedCount, revokedAt: terminal.revoked_at, fromSeq: quarantinedFromSeq, toSeq: head.seq, lowerBoundMs, arrivalMs },
      });
    }
    await flagSuspiciousDeclines(ctx, scope, parsed, arrivalMs);

    const complete = results.length === records.length && results.every((r) => r.status !== 'rejected');
    await trx
      .updateTable('terminals')
      .set({
        head_seq: head.seq,
        head_hash: head.hash,
        head_created_at: head.createdAt,
        outcome_seq: outcomeSeq,
        last_journal_at: arrivalMs,
        // A short, complete batch means the terminal had nothing more: later records are newer.
        ...(complete && records.length < config.journal.maxBatch ? { caught_up_at: arrivalMs } : {}),
      })
      .where('id', '=', terminalId)
      .execute();
    return { results, head: { seq: head.seq, hash: head.hash } };
  });

  for (const result of reply.results) ctx.metrics.journalRecords.inc({ status: result.status });
  for (const { outcome } of outcomes) ctx.metrics.settlementOutcomes.inc({ outcome });
  if (revokedDevices.size > 0) await ctx.trust.rebuild(`devices revoked at settlement (${revokedDevices.size})`);
  const rejected = reply.results.find((r) => r.status === 'rejected');
  ctx.logger.info(
    {
      terminalId,
      records: records.length,
      accepted: reply.results.filter((r) => r.status === 'accepted').length,
      ...(rejected === undefined ? {} : { rejectedId: rejected.id, rejection: rejected.status === 'rejected' ? rejected.code : null }),
      headSeq: reply.head.seq,
    },
    'journal batch',
  );
  return reply;
}

/**
 * PostgreSQL: takes the row locks a batch will need in one order (wallets sorted by id, then
 * the store's account) before it writes anything, so two batches touching the same wallets
 * queue instead of deadlocking. SQLite runs one transaction at a time and needs none.
 */
export async function lockWallets(ctx: AppContext, trx: Tx, terminal: Terminal, records: readonly JournalRecord[]): Promise<void> {
  if (ctx.db.dialect !== 'postgres') return;
  const deviceIds = [...new Set(records.flatMap((r) => (r.kind === 'payment' && r.decision === 'approved' ? [tokenDeviceId(r.token)] : [])))].filter(
    (id): id is string => id !== null,
  );
  const refs = [...new Set(records.flatMap((r) => (r.kind === 'payment' || r.ref === null ? [] : [r.ref])))];
  const wallets = new Set<string>();
  if (deviceIds.length > 0) {
    for (const row of await trx.selectFrom('devices').select('wallet_id').where('id', 'in', deviceIds).execute()) wallets.add(row.wallet_id);
  }
  if (refs.length > 0) {
    const rows = await trx.selectFrom('settlements').select('wallet_id').where('record_id', 'in', refs).execute();
    for (const row of rows) if (row.wallet_id !== null) wallets.add(row.wallet_id);
  }
  const ordered = [...wallets].sort();
  if (ordered.length > 0) {
    await trx.selectFrom('ledger_accounts').select('id').where('id', 'in', ordered).orderBy('id').forUpdate().execute();
  }
  const store = storeAccountId(terminal.store_id, ctx.config.policy.currency);
  await ensureLedgerAccount(trx, { id: store, kind: 'store', ownerId: terminal.store_id, currency: ctx.config.policy.currency }, ctx.clock.nowMs());
  await trx.selectFrom('ledger_accounts').select('id').where('id', '=', store).forUpdate().execute();
}

function rawId(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const id = raw.id;
    if (typeof id === 'string' && /^[\x20-\x7e]{1,64}$/.test(id)) return id;
  }
  return '';
}

/** Many forged-looking declines at one store within the window raise one flag per window. */
async function flagSuspiciousDeclines(
  ctx: AppContext,
  scope: SettlementScope,
  parsed: ReturnType<typeof parseJournalRecord>[],
  arrivalMs: number,
): Promise<void> {
  const suspicious = parsed.some((p) => p.ok && p.record.decision === 'declined' && SUSPICIOUS_REASONS.includes(p.record.reason ?? ''));
  if (!suspicious) return;
  const { trx, terminal } = scope;
  const windowStart = arrivalMs - ctx.config.journal.suspiciousDeclineWindowSeconds * 1000;
  const count = await trx
    .selectFrom('journal_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('store_id', '=', terminal.store_id)
    .where('decision', '=', 'declined')
    .where('received_at', '>=', windowStart)
    .where('reason', 'in', SUSPICIOUS_REASONS)
    .executeTakeFirstOrThrow();
  if (Number(count.n) < ctx.config.journal.suspiciousDeclineThreshold) return;
  const already = await trx
    .selectFrom('flags')
    .select('id')
    .where('kind', '=', 'suspicious_declines')
    .where('store_id', '=', terminal.store_id)
    .where('created_at', '>=', windowStart)
    .executeTakeFirst();
  if (already !== undefined) return;
  await raiseFlag(ctx, trx, {
    kind: 'suspicious_declines',
    terminalId: terminal.id,
    storeId: terminal.store_id,
    detail: { declines: Number(count.n), windowSeconds: ctx.config.journal.suspiciousDeclineWindowSeconds, reasons: SUSPICIOUS_REASONS },
  });
}

/**
 * Verifies every approved payment's token before the transaction (stage B at its
 * verification time), with the newest bundle the terminal is known to have held then (asked
 * about or served), never older than the serial it claims; a claimed serial newer than any
 * signed one counts as the newest.
 */
export async function prepareRecords(
  ctx: AppContext,
  terminal: Terminal,
  records: readonly JournalRecord[],
  boundsOf: (record: JournalRecord) => { lowerBoundMs: number; arrivalMs: number },
): Promise<Map<string, PreparedRecord>> {
  const current = await ctx.trust.current();
  if (current === undefined) throw ProblemError.of(503, 'not_ready', 'No trust bundle has been signed yet');
  const held = await ctx.db.kysely
    .selectFrom('terminal_trust')
    .select(['serial', 'since'])
    .where('terminal_id', '=', terminal.id)
    .execute();
  const serialFor = (record: JournalRecord, atMs: number): number => {
    const heldSerial = held.filter((h) => h.since <= atMs).reduce((max, h) => Math.max(max, h.serial), 0);
    return Math.min(Math.max(record.trustSerial, heldSerial, 1), current.serial);
  };
  const documents = new Map<number, TrustBundleDocument>([[current.serial, current.document]]);
  const prepared = new Map<string, PreparedRecord>();
  for (const record of records) {
    const atMs = verificationTime(boundsOf(record), record.createdAt);
    const trustSerial = serialFor(record, atMs);
    let verification = null;
    if (record.kind === 'payment' && record.decision === 'approved' && record.token !== null) {
      let document = documents.get(trustSerial);
      if (document === undefined) {
        document = (await ctx.trust.bySerial(trustSerial))?.document ?? current.document;
        documents.set(trustSerial, document);
      }
      verification = ctx.verifier.verify({
        text: record.token,
        bundle: document,
        now: Math.floor(atMs / 1000),
        amount: record.amount,
        currency: record.currency,
      });
    }
    prepared.set(record.id, { record, verification, atMs, trustSerial });
  }
  return prepared;
}
