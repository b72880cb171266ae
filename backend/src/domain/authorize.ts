/**
 * Online-first authorization (DESIGN.md "Authorization", PROTOCOL.md §8): stage B with the
 * current bundle at the server's clock, then what only the backend knows — revocations newer
 * than any bundle, the device's counters at every store, the real balance — and the funds are
 * reserved. Idempotent by (terminal, saleId). A reservation not journaled within the
 * reservation TTL (10 minutes) stops counting against the balance and is released by the sweep.
 */
import type { OnlineReason, TokenReason } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { inTransaction, lockRows } from '../db/database.js';
import type { Terminal } from '../db/schema.js';
import { ProblemError } from '../http/problemError.js';
import { nowSeconds } from '../runtime/clock.js';
import { uuidv7 } from '../runtime/ids.js';
import { availableBalance } from './balances.js';
import { promoteDuePhones } from './devices.js';

export interface AuthorizeRequest {
  saleId: string;
  token: string;
  amount: number;
  currency: number;
}

export type AuthorizeDecline = TokenReason | OnlineReason;

export interface AuthorizeReply {
  authorization: string;
  decision: 'approved' | 'declined';
  reason?: string;
}

const PENDING = 'pending';

export async function authorizePayment(ctx: AppContext, terminal: Terminal, request: AuthorizeRequest): Promise<AuthorizeReply> {
  const current = await ctx.trust.current();
  if (current === undefined) throw ProblemError.of(503, 'not_ready', 'No trust bundle has been signed yet');
  const now = ctx.clock.nowMs();
  const verified = ctx.verifier.verify({
    text: request.token,
    bundle: current.document,
    now: nowSeconds(ctx.clock),
    amount: request.amount,
    currency: request.currency,
  });
  const id = uuidv7(ctx.clock, ctx.random);
  const canonical = verified.ok ? verified.fields.token : request.token;
  // A pending phone's certificate carries no limits, so stage B alone would say the amount is
  // too high: with the token otherwise good, the register is told why it really cannot pay.
  const genuine = verified.ok || verified.reason !== 'over_payment_limit' ? verified : ctx.verifier.verify({ text: request.token, bundle: current.document, now: nowSeconds(ctx.clock), currency: request.currency });
  let pendingPhone = false;
  if (genuine.ok) {
    const owner = await ctx.db.kysely.selectFrom('devices').select(['account_id', 'status']).where('id', '=', genuine.fields.deviceId).executeTakeFirst();
    // A pending phone whose hold has ended replaces the old one before its payment is decided.
    if (owner?.status === 'pending') await promoteDuePhones(ctx, owner.account_id);
    const state = await ctx.db.kysely.selectFrom('devices').select('status').where('id', '=', genuine.fields.deviceId).executeTakeFirst();
    pendingPhone = state?.status === 'pending';
  }

  const reply = await inTransaction(ctx.db, async (trx): Promise<AuthorizeReply> => {
    // Claim the sale id first: a concurrent duplicate waits here and then finds this row.
    const inserted = await trx
      .insertInto('reservations')
      .values({
        id,
        terminal_id: terminal.id,
        sale_id: request.saleId,
        token: canonical,
        device_id: verified.ok ? verified.fields.deviceId : null,
        counter: verified.ok ? verified.fields.counter : null,
        wallet_id: null,
        amount: request.amount,
        currency: request.currency,
        decision: 'declined',
        reason: PENDING,
        status: 'declined',
        created_at: now,
        expires_at: now + ctx.config.authorize.reservationTtlSeconds * 1000,
      })
      .onConflict((conflict) => conflict.columns(['terminal_id', 'sale_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) {
      const existing = await trx
        .selectFrom('reservations')
        .selectAll()
        .where('terminal_id', '=', terminal.id)
        .where('sale_id', '=', request.saleId)
        .executeTakeFirstOrThrow();
      if (existing.token !== canonical || existing.amount !== request.amount || existing.currency !== request.currency) {
        throw ProblemError.of(409, 'sale_id_reused', 'This saleId was authorized with another token or amount');
      }
      return replyOf(existing);
    }

    const decline = async (reason: AuthorizeDecline): Promise<AuthorizeReply> => {
      await trx.updateTable('reservations').set({ decision: 'declined', reason, status: 'declined' }).where('id', '=', id).execute();
      return { authorization: id, decision: 'declined', reason };
    };
    if (pendingPhone) return decline('device_pending');
    if (!verified.ok) return decline(verified.reason);
    const { deviceId, counter } = verified.fields;

    const device = await trx
      .selectFrom('devices')
      .innerJoin('accounts', 'accounts.id', 'devices.account_id')
      .select(['devices.wallet_id', 'devices.status', 'accounts.frozen_at'])
      .where('devices.id', '=', deviceId)
      .executeTakeFirst();
    if (device === undefined) return decline('unknown_device');
    // "This wasn't me" froze the account's online payments until a two-code reset.
    if (device.frozen_at !== null) return decline('account_frozen');
    // A phone bound without the established one waits for its hold (issue 17).
    if (device.status === 'pending') return decline('device_pending');
    if (device.status !== 'active') return decline('device_revoked'); // newer than any bundle
    // One wallet at a time: racing authorizations (and settlements) queue on this row.
    await lockRows(ctx.db, trx.selectFrom('ledger_accounts').select('id').where('id', '=', device.wallet_id)).execute();
    const used = await trx
      .selectFrom('token_uses')
      .select('device_id')
      .where('device_id', '=', deviceId)
      .where('counter', '=', counter)
      .executeTakeFirst();
    if (used !== undefined) return decline('replayed');
    if ((await availableBalance(ctx, trx, device.wallet_id, id)) < request.amount) return decline('insufficient_funds');

    await trx
      .insertInto('token_uses')
      .values({
        device_id: deviceId,
        counter,
        token: canonical,
        terminal_id: terminal.id,
        record_id: null,
        reservation_id: id,
        created_at: now,
      })
      .execute();
    await trx
      .updateTable('reservations')
      .set({ decision: 'approved', reason: null, status: 'active', wallet_id: device.wallet_id })
      .where('id', '=', id)
      .execute();
    return { authorization: id, decision: 'approved' };
  });
  ctx.metrics.authorizations.inc({ decision: reply.decision });
  ctx.logger.info(
    { terminalId: terminal.id, saleId: request.saleId, authorization: reply.authorization, decision: reply.decision, reason: reply.reason },
    'authorization',
  );
  return reply;
}

function replyOf(row: { id: string; decision: string; reason: string | null }): AuthorizeReply {
  return row.decision === 'approved'
    ? { authorization: row.id, decision: 'approved' }
    : { authorization: row.id, decision: 'declined', ...(row.reason === null ? {} : { reason: row.reason }) };
}

/** Marks reservations past their TTL released (they already stopped counting at expiry). */
export async function releaseExpiredReservations(ctx: AppContext): Promise<number> {
  const result = await ctx.db.kysely
    .updateTable('reservations')
    .set({ status: 'released' })
    .where('status', '=', 'active')
    .where('expires_at', '<=', ctx.clock.nowMs())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
