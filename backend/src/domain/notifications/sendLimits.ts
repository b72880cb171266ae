/**
 * Send limits: SMS per destination (hour and day) and per number prefix (SMS pumping: an
 * attacker makes us text premium-rate numbers of one block), e-mail per destination. A message
 * over a limit is not queued; a prefix over its limit is flagged for admins once per window.
 * Callers that answer "202, always" (sign-up, reset) drop the message silently, so the limit
 * says nothing about which accounts exist.
 */
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import { phonePrefix } from '../accounts/contacts.js';
import { raiseFlag } from '../flags.js';
import type { Tx } from '../ledger.js';
import { enqueueMessage, type Message } from './outbox.js';

const HOUR = 3600;
const DAY = 86_400;

export type SendLimit = 'destination' | 'prefix';

/** Counts one send towards `to`'s limits; the limit that refused it, or null. */
export async function claimSend(ctx: AppContext, channel: Message['channel'], to: string): Promise<SendLimit | null> {
  const now = ctx.clock.nowMs();
  const limits = ctx.config.messaging;
  let refused: SendLimit | null = null;
  if (channel === 'email') {
    const hour = await ctx.counters.hit(`send:email:${to}`, HOUR, now);
    if (hour.count > limits.emailPerDestinationPerHour) refused = 'destination';
  } else {
    const prefix = phonePrefix(to, limits.smsPrefixDigits);
    const [hour, day, block] = await Promise.all([
      ctx.counters.hit(`send:sms:${to}:h`, HOUR, now),
      ctx.counters.hit(`send:sms:${to}:d`, DAY, now),
      ctx.counters.hit(`send:sms-prefix:${prefix}`, HOUR, now),
    ]);
    if (block.count > limits.smsPerPrefixPerHour) {
      refused = 'prefix';
      if (block.count === limits.smsPerPrefixPerHour + 1) {
        await inTransaction(ctx.db, (trx) =>
          raiseFlag(ctx, trx, { kind: 'sms_pumping', detail: { prefix, sendsThisHour: block.count, limitPerHour: limits.smsPerPrefixPerHour } }),
        );
      }
    } else if (hour.count > limits.smsPerDestinationPerHour || day.count > limits.smsPerDestinationPerDay) {
      refused = 'destination';
    }
  }
  if (refused !== null) {
    ctx.metrics.messagesSuppressed.inc({ channel, limit: refused });
    ctx.logger.warn({ channel, limit: refused, kind: 'send_limit' }, 'message not sent: send limit reached');
  }
  return refused;
}

/**
 * Queues `message` inside `trx` unless `claimed` (what claimSend answered, before the
 * transaction: counters may live in Redis, and SQLite has one connection) refused it.
 */
export async function sendLimited(ctx: AppContext, trx: Tx, message: Message, claimed: SendLimit | null): Promise<boolean> {
  if (claimed !== null) return false;
  await enqueueMessage(ctx, trx, message);
  return true;
}
