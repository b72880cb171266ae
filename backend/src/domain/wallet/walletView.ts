/** `GET /v1/wallet`: the balance and the newest movements of the account's wallet. */
import type { AppContext } from '../../context.js';
import { ProblemError } from '../../http/problemError.js';
import { walletOfAccount } from '../accounts.js';

export interface WalletTransaction {
  id: string;
  /** payment, refund, void, topup, credit, reversal. */
  kind: string;
  /** Signed: money in is positive. */
  amount: number;
  createdAt: number;
}

export interface WalletView {
  balance: number;
  currency: number;
  transactions: WalletTransaction[];
}

export async function walletView(ctx: AppContext, accountId: string, limit = 50): Promise<WalletView> {
  const wallet = await walletOfAccount(ctx, accountId);
  if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
  const rows = await ctx.db.kysely
    .selectFrom('ledger_entries')
    .innerJoin('ledger_transactions', 'ledger_transactions.id', 'ledger_entries.transaction_id')
    .select(['ledger_transactions.id', 'ledger_transactions.kind', 'ledger_entries.amount', 'ledger_entries.created_at'])
    .where('ledger_entries.account_id', '=', wallet.id)
    .orderBy('ledger_entries.created_at', 'desc')
    .orderBy('ledger_transactions.id', 'desc')
    .limit(limit)
    .execute();
  return {
    balance: wallet.balance,
    currency: wallet.currency,
    transactions: rows.map((row) => ({ id: row.id, kind: row.kind, amount: row.amount, createdAt: row.created_at })),
  };
}
