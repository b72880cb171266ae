/**
 * Flags: what admins review (copied codes, cloned keys, overdrafts, tampered chains,
 * quarantined records, suspicious declines), each with its amount where money is involved.
 */
import type { AppContext } from '../context.js';
import type { Flag } from '../db/schema.js';
import { uuidv7 } from '../runtime/ids.js';
import type { Tx } from './ledger.js';

export type FlagKind =
  | 'duplicate_token'
  | 'cloned_device'
  | 'insufficient_funds'
  | 'device_was_revoked'
  | 'invalid_token'
  | 'chain_conflict'
  | 'quarantined_record'
  | 'suspicious_declines'
  | 'refund_refused'
  | 'void_unknown_payment'
  | 'credential_stuffing'
  | 'login_failure_surge'
  | 'sms_pumping'
  | 'sim_swap';

export interface NewFlag {
  kind: FlagKind;
  terminalId?: string | null;
  storeId?: string | null;
  deviceId?: string | null;
  recordId?: string | null;
  amount?: number | null;
  currency?: number | null;
  /** Plain facts for the reviewer; never a token, code or key. */
  detail?: Record<string, unknown>;
  /**
   * What the flag is about when it is about a source rather than a record (a network, a login
   * name, the whole service): while a flag of this kind and subject is open, raising it again
   * counts an occurrence on it instead of adding another for the reviewer.
   */
  subject?: string;
}

/** True when a new flag was raised, false when an open one about the same subject was counted. */
export async function raiseFlag(ctx: AppContext, trx: Tx, flag: NewFlag): Promise<boolean> {
  const nowMs = ctx.clock.nowMs();
  const insert = trx.insertInto('flags').values({
    id: uuidv7(ctx.clock, ctx.random),
    kind: flag.kind,
    terminal_id: flag.terminalId ?? null,
    store_id: flag.storeId ?? null,
    device_id: flag.deviceId ?? null,
    record_id: flag.recordId ?? null,
    amount: flag.amount ?? null,
    currency: flag.currency ?? null,
    detail: flag.detail === undefined ? null : JSON.stringify(flag.detail),
    created_at: nowMs,
    resolved_at: null,
    subject: flag.subject ?? null,
    last_seen_at: nowMs,
  });
  if (flag.subject !== undefined) {
    const counted = await insert
      .onConflict((conflict) =>
        conflict
          .columns(['kind', 'subject'])
          .where('resolved_at', 'is', null)
          .where('subject', 'is not', null)
          .doUpdateSet((eb) => ({ occurrences: eb('flags.occurrences', '+', 1), last_seen_at: nowMs })),
      )
      .returning('occurrences')
      .executeTakeFirstOrThrow();
    if (counted.occurrences !== 1) return false;
  } else {
    await insert.execute();
  }
  ctx.metrics.flags.inc({ kind: flag.kind });
  ctx.logger.warn(
    { flag: flag.kind, terminalId: flag.terminalId, recordId: flag.recordId, deviceId: flag.deviceId, amount: flag.amount },
    'flag raised',
  );
  return true;
}

export interface FlagView {
  id: string;
  kind: string;
  terminalId: string | null;
  storeId: string | null;
  deviceId: string | null;
  recordId: string | null;
  amount: number | null;
  currency: number | null;
  detail: unknown;
  createdAt: number;
  resolvedAt: number | null;
  /** What a flag about a source is about (a network, a login name), else null. */
  subject: string | null;
  /** Times it was seen while open (1 for a flag about a record). */
  occurrences: number;
  lastSeenAt: number;
}

export function flagView(row: Flag): FlagView {
  return {
    id: row.id,
    kind: row.kind,
    terminalId: row.terminal_id,
    storeId: row.store_id,
    deviceId: row.device_id,
    recordId: row.record_id,
    amount: row.amount,
    currency: row.currency,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    subject: row.subject,
    occurrences: Number(row.occurrences),
    lastSeenAt: row.last_seen_at ?? row.created_at,
  };
}

/** Newest first. */
export async function listFlags(ctx: AppContext, options: { kind?: string; limit: number; unresolved?: boolean }): Promise<FlagView[]> {
  let query = ctx.db.kysely.selectFrom('flags').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit);
  if (options.kind !== undefined) query = query.where('kind', '=', options.kind);
  if (options.unresolved === true) query = query.where('resolved_at', 'is', null);
  return (await query.execute()).map(flagView);
}

/** A reviewer is done with a flag (idempotent: the first resolution time stays). */
export async function resolveFlag(ctx: AppContext, id: string): Promise<FlagView | undefined> {
  await ctx.db.kysely.updateTable('flags').set({ resolved_at: ctx.clock.nowMs() }).where('id', '=', id).where('resolved_at', 'is', null).execute();
  const row = await ctx.db.kysely.selectFrom('flags').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : flagView(row);
}
