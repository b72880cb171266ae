/**
 * Customer accounts and their wallets: an account with its wallet in the policy currency, the
 * wallet's balance, and the dev-mode credit. Sign-up, login and reset live in `accounts/`.
 */
import type { AppContext } from '../context.js';
import { inTransaction } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { newId } from '../runtime/ids.js';
import { ensureLedgerAccount, operatorAccountId, postLedger, type Tx } from './ledger.js';

export interface Wallet {
  id: string;
  accountId: string;
  currency: number;
  balance: number;
}

/** Creates an account with its wallet in `currency`, inside `trx`. */
export async function insertAccountWithWallet(
  ctx: AppContext,
  trx: Tx,
  details: {
    phone?: string | null;
    email?: string | null;
    currency: number;
    passwordHash?: string | null;
    /** Both channels verified now (a real sign-up); dev accounts have neither. */
    verified?: boolean;
    risk?: 'new' | 'standard';
  },
): Promise<{ accountId: string; walletId: string }> {
  const now = ctx.clock.nowMs();
  const accountId = newId('acc', ctx.random);
  const walletId = newId('wal', ctx.random);
  await trx
    .insertInto('accounts')
    .values({
      id: accountId,
      status: 'active',
      phone: details.phone ?? null,
      email: details.email ?? null,
      password_hash: details.passwordHash ?? null,
      phone_verified_at: details.verified === true ? now : null,
      email_verified_at: details.verified === true ? now : null,
      created_at: now,
      updated_at: now,
      risk: details.risk ?? 'standard',
      password_changed_at: details.passwordHash === undefined || details.passwordHash === null ? null : now,
      reset_at: null,
      cooldown_until: null,
    })
    .execute();
  await ensureLedgerAccount(trx, { id: walletId, kind: 'wallet', ownerId: accountId, currency: details.currency }, now);
  await trx.insertInto('wallets').values({ id: walletId, account_id: accountId, currency: details.currency, created_at: now }).execute();
  return { accountId, walletId };
}

export function createAccount(
  ctx: AppContext,
  details: { phone?: string | null; email?: string | null } = {},
): Promise<{ accountId: string; walletId: string }> {
  return inTransaction(ctx.db, (trx) => insertAccountWithWallet(ctx, trx, { ...details, currency: ctx.config.policy.currency }));
}

export async function walletOfAccount(ctx: AppContext, accountId: string): Promise<Wallet | undefined> {
  const row = await ctx.db.kysely
    .selectFrom('wallets')
    .innerJoin('ledger_accounts', 'ledger_accounts.id', 'wallets.id')
    .select(['wallets.id', 'wallets.account_id', 'wallets.currency', 'ledger_accounts.balance'])
    .where('wallets.account_id', '=', accountId)
    .where('wallets.currency', '=', ctx.config.policy.currency)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, accountId: row.account_id, currency: row.currency, balance: row.balance };
}

/** Dev mode only: money from nowhere (the operator's funding account) into a wallet. */
export async function creditAccount(ctx: AppContext, accountId: string, amount: number): Promise<Wallet> {
  const wallet = await walletOfAccount(ctx, accountId);
  if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
  await inTransaction(ctx.db, async (trx) => {
    const funding = operatorAccountId('operator_funding', wallet.currency);
    await ensureLedgerAccount(trx, { id: funding, kind: 'operator_funding', ownerId: null, currency: wallet.currency }, ctx.clock.nowMs());
    await postLedger(trx, ctx.clock, ctx.random, {
      kind: 'credit',
      memo: 'dev credit',
      entries: [
        [funding, -amount],
        [wallet.id, amount],
      ],
    });
  });
  const after = await walletOfAccount(ctx, accountId);
  if (after === undefined) throw new Error('the wallet disappeared');
  return after;
}
