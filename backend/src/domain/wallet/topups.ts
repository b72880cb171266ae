/**
 * Card top-ups: the only way production money enters a wallet. Velocity limits per hour and
 * per day (amount and count, top-ups in flight included) are checked under a lock on the
 * account, so concurrent requests cannot slip past them together; the card provider may ask for
 * a 3-D Secure challenge, which the customer answers before the wallet is credited.
 */
import type { AppContext } from '../../context.js';
import { inTransaction, lockRows } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import { newId } from '../../runtime/ids.js';
import { walletOfAccount } from '../accounts.js';
import { ensureLedgerAccount, operatorAccountId, postLedger } from '../ledger.js';
import { MESSAGES } from '../notifications/messages.js';
import { enqueueMessage } from '../notifications/outbox.js';
import type { ClientInfo } from '../accounts/throttle.js';
import type { ChallengeResult, ThreeDsChallenge } from './cardGateway.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** A 3-D Secure challenge not answered within this is declined. */
const CHALLENGE_TTL_MS = 15 * 60_000;

export type TopupOutcome =
  | { status: 'succeeded'; topupId: string; amount: number; balance: number }
  | { status: 'challenge_required'; topupId: string; challenge: ThreeDsChallenge };

function gateway(ctx: AppContext) {
  if (ctx.cardGateway === undefined) {
    throw ProblemError.of(503, 'card_gateway_unavailable', 'Card top-ups are not available', { detail: 'no card gateway is configured' });
  }
  return ctx.cardGateway;
}

function declined(reason: string): ProblemError {
  return ProblemError.of(402, 'card_declined', 'The card payment was declined', { detail: reason, extensions: { reason } });
}

export async function startTopup(ctx: AppContext, accountId: string, input: { amount: number; cardToken: string }, client: ClientInfo): Promise<TopupOutcome> {
  const cards = gateway(ctx);
  const limits = ctx.config.topups;
  if (input.amount < limits.minAmount || input.amount > limits.maxAmount) {
    throw ProblemError.of(400, 'invalid_amount', 'The amount is outside the top-up range', { detail: `between ${limits.minAmount} and ${limits.maxAmount}` });
  }
  const wallet = await walletOfAccount(ctx, accountId);
  if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
  const nowMs = ctx.clock.nowMs();
  const topupId = newId('top', ctx.random);
  await inTransaction(ctx.db, async (trx) => {
    // One top-up decision per account at a time (PostgreSQL row lock; SQLite has one writer).
    await lockRows(ctx.db, trx.selectFrom('accounts').select('id').where('id', '=', accountId)).execute();
    const recent = await trx
      .selectFrom('topups')
      .select(['amount', 'created_at'])
      .where('account_id', '=', accountId)
      .where('status', 'in', ['pending', 'challenge_required', 'succeeded'])
      .where('created_at', '>', nowMs - DAY)
      .execute();
    const lastHour = recent.filter((row) => row.created_at > nowMs - HOUR);
    const hourAmount = lastHour.reduce((sum, row) => sum + row.amount, 0);
    const dayAmount = recent.reduce((sum, row) => sum + row.amount, 0);
    let retryAt: number | null = null;
    if (lastHour.length >= limits.maxCountPerHour || hourAmount + input.amount > limits.maxAmountPerHour) {
      retryAt = Math.min(...lastHour.map((row) => row.created_at)) + HOUR;
    } else if (dayAmount + input.amount > limits.maxAmountPerDay) {
      retryAt = Math.min(...recent.map((row) => row.created_at)) + DAY;
    }
    if (retryAt !== null) {
      const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - nowMs) / 1000));
      throw ProblemError.of(429, 'topup_limit', 'Top-up limit reached', {
        detail: `at most ${limits.maxCountPerHour} top-ups and ${limits.maxAmountPerHour} per hour, ${limits.maxAmountPerDay} per day`,
        extensions: { retryAfterSeconds },
      });
    }
    await trx
      .insertInto('topups')
      .values({
        id: topupId,
        account_id: accountId,
        wallet_id: wallet.id,
        amount: input.amount,
        currency: wallet.currency,
        status: 'pending',
        gateway_ref: null,
        decline_reason: null,
        transaction_id: null,
        ip: client.ip,
        created_at: nowMs,
        completed_at: null,
      })
      .execute();
  });

  const result = await cards.charge({ topupId, amount: input.amount, currency: wallet.currency, cardToken: input.cardToken });
  if (result.status === 'challenge') {
    await ctx.db.kysely.updateTable('topups').set({ status: 'challenge_required', gateway_ref: result.reference }).where('id', '=', topupId).execute();
    return { status: 'challenge_required', topupId, challenge: result.challenge };
  }
  return settle(ctx, topupId, result);
}

/** The customer's answer to the 3-D Secure challenge. */
export async function completeTopupChallenge(ctx: AppContext, accountId: string, topupId: string, response: string): Promise<TopupOutcome> {
  const cards = gateway(ctx);
  const topup = await ctx.db.kysely.selectFrom('topups').selectAll().where('id', '=', topupId).where('account_id', '=', accountId).executeTakeFirst();
  if (topup === undefined) throw ProblemError.of(404, 'topup_not_found', 'No such top-up');
  if (topup.status !== 'challenge_required' || topup.gateway_ref === null) {
    throw ProblemError.of(409, 'no_challenge', 'This top-up is not waiting for a 3-D Secure answer', { extensions: { status: topup.status } });
  }
  if (ctx.clock.nowMs() - topup.created_at > CHALLENGE_TTL_MS) {
    return settle(ctx, topupId, { status: 'declined', reference: topup.gateway_ref, reason: 'challenge_expired' });
  }
  return settle(ctx, topupId, await cards.completeChallenge({ reference: topup.gateway_ref, response }));
}

async function settle(ctx: AppContext, topupId: string, result: ChallengeResult): Promise<TopupOutcome> {
  const nowMs = ctx.clock.nowMs();
  if (result.status === 'declined') {
    await ctx.db.kysely
      .updateTable('topups')
      .set({ status: 'declined', decline_reason: result.reason, gateway_ref: result.reference, completed_at: nowMs })
      .where('id', '=', topupId)
      .where('status', 'in', ['pending', 'challenge_required'])
      .execute();
    throw declined(result.reason);
  }
  const outcome = await inTransaction(ctx.db, async (trx) => {
    const topup = await lockRows(ctx.db, trx.selectFrom('topups').selectAll().where('id', '=', topupId)).executeTakeFirstOrThrow();
    if (topup.status === 'succeeded') return { topup, credited: false };
    if (topup.status === 'declined') return null;
    const funding = operatorAccountId('operator_funding', topup.currency);
    await ensureLedgerAccount(trx, { id: funding, kind: 'operator_funding', ownerId: null, currency: topup.currency }, nowMs);
    const transactionId = await postLedger(trx, ctx.clock, ctx.random, {
      kind: 'topup',
      memo: `card top-up ${topup.id}`,
      entries: [
        [funding, -topup.amount],
        [topup.wallet_id, topup.amount],
      ],
    });
    await trx
      .updateTable('topups')
      .set({ status: 'succeeded', gateway_ref: result.reference, transaction_id: transactionId, completed_at: nowMs })
      .where('id', '=', topupId)
      .execute();
    const account = await trx.selectFrom('accounts').select('email').where('id', '=', topup.account_id).executeTakeFirst();
    if (account?.email != null) {
      await enqueueMessage(ctx, trx, { channel: 'email', to: account.email, kind: 'topup', text: MESSAGES.topup(topup.amount, topup.currency), accountId: topup.account_id });
    }
    return { topup, credited: true };
  });
  if (outcome === null) throw declined('declined');
  if (outcome.credited) {
    ctx.notificationsQueued();
    ctx.metrics.accountEvents.inc({ event: 'topup' });
    ctx.logger.info({ accountId: outcome.topup.account_id, topupId, amount: outcome.topup.amount }, 'wallet topped up');
  }
  const wallet = await walletOfAccount(ctx, outcome.topup.account_id);
  return { status: 'succeeded', topupId, amount: outcome.topup.amount, balance: wallet?.balance ?? 0 };
}
