import type { AppContext } from '../context.js';
import type { Tx } from './ledger.js';

/**
 * A wallet's balance minus the live reservations of other sales (those not expired and not
 * `except`). The caller holds the wallet row lock.
 */
export async function availableBalance(ctx: AppContext, trx: Tx, walletId: string, except: string | null): Promise<number> {
  const account = await trx.selectFrom('ledger_accounts').select('balance').where('id', '=', walletId).executeTakeFirstOrThrow();
  let reserved = trx
    .selectFrom('reservations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.val(0)).as('total'))
    .where('wallet_id', '=', walletId)
    .where('status', '=', 'active')
    .where('expires_at', '>', ctx.clock.nowMs());
  if (except !== null) reserved = reserved.where('id', '!=', except);
  const row = await reserved.executeTakeFirstOrThrow();
  return account.balance - Number(row.total);
}
