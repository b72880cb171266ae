/**
 * The notifications outbox: a message is a row written in the same transaction as what it
 * reports (a code issued, a phone bound, a password changed), so it is never lost and never
 * sent for something that rolled back. A dispatcher hands rows to a transport afterwards.
 */
import type { AppContext } from '../../context.js';
import type { Channel } from '../../db/schema.js';
import { monotonicUuidv7 } from '../../runtime/ids.js';
import type { Tx } from '../ledger.js';

export interface Message {
  channel: Channel;
  /** E.164 phone number or lowercase e-mail address, as on file. */
  to: string;
  /** Stable kind for support and metrics: `code`, `device_bound`, `password_changed`, … */
  kind: string;
  /** What the customer reads. */
  text: string;
  /** The same with any code masked; kept after delivery. */
  redacted?: string;
  accountId?: string | null;
}

export async function enqueueMessage(ctx: AppContext, trx: Tx, message: Message): Promise<string> {
  const now = ctx.clock.nowMs();
  const id = monotonicUuidv7(ctx.clock, ctx.random);
  await trx
    .insertInto('notifications')
    .values({
      id,
      account_id: message.accountId ?? null,
      channel: message.channel,
      destination: message.to,
      kind: message.kind,
      text: message.text,
      redacted: message.redacted ?? message.text,
      status: 'pending',
      next_attempt_at: now,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .execute();
  return id;
}

export interface OutboxMessage {
  channel: Channel;
  to: string;
  text: string;
  createdAt: number;
}

/** Dev mode: what was sent to `to`, newest first (PROTOCOL.md §8 `GET /v1/dev/outbox`). */
export async function outboxFor(ctx: AppContext, to: string, limit = 50): Promise<OutboxMessage[]> {
  const rows = await ctx.db.kysely
    .selectFrom('notifications')
    .select(['channel', 'destination', 'text', 'redacted', 'created_at'])
    .where('destination', '=', to)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ channel: row.channel, to: row.destination, text: row.text ?? row.redacted, createdAt: row.created_at }));
}
