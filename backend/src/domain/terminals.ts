/** Terminals as admins see them, revocation, and which trust bundle each terminal holds. */
import { fromBase64url, kid } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Terminal } from '../db/schema.js';
import { ProblemError } from '../http/problemError.js';

export interface TerminalView {
  id: string;
  storeId: string;
  name: string;
  status: 'active' | 'revoked';
  keyId: string;
  enrolledAt: number;
  revokedAt: number | null;
  head: { seq: number; hash: string };
  lastJournalAt: number | null;
}

export function terminalView(row: Terminal): TerminalView {
  return {
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    status: row.status,
    keyId: kid(fromBase64url(row.public_key) ?? new Uint8Array(0)),
    enrolledAt: row.enrolled_at,
    revokedAt: row.revoked_at,
    head: { seq: row.head_seq, hash: row.head_hash },
    lastJournalAt: row.last_journal_at,
  };
}

export async function listTerminals(ctx: AppContext, storeId?: string): Promise<TerminalView[]> {
  let query = ctx.db.kysely.selectFrom('terminals').selectAll().orderBy('enrolled_at');
  if (storeId !== undefined) query = query.where('store_id', '=', storeId);
  return (await query.execute()).map(terminalView);
}

/**
 * Revokes a terminal: its signed requests are refused from now on, except journal uploads,
 * whose records are kept in quarantine for review. Idempotent.
 */
export async function revokeTerminal(ctx: AppContext, terminalId: string): Promise<TerminalView> {
  const now = ctx.clock.nowMs();
  await ctx.db.kysely
    .updateTable('terminals')
    .set({ status: 'revoked', revoked_at: now })
    .where('id', '=', terminalId)
    .where('status', '=', 'active')
    .execute();
  const row = await ctx.db.kysely.selectFrom('terminals').selectAll().where('id', '=', terminalId).executeTakeFirst();
  if (row === undefined) throw ProblemError.of(404, 'terminal_not_found', 'No such terminal');
  ctx.logger.info({ terminalId }, 'terminal revoked');
  return terminalView(row);
}

/** Remembers that the terminal holds `serial` since `atMs` (first time seen only). */
export async function noteTrustHeld(ctx: AppContext, terminalId: string, serial: number, atMs: number): Promise<void> {
  await ctx.db.kysely
    .insertInto('terminal_trust')
    .values({ terminal_id: terminalId, serial, since: atMs })
    .onConflict((conflict) => conflict.columns(['terminal_id', 'serial']).doNothing())
    .execute();
}
