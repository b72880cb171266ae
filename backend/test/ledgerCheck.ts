/** The ledger's invariants, checked after every money scenario. */
import { expect } from 'vitest';
import type { Db } from '../src/db/database.js';

export async function expectLedgerBalanced(db: Db): Promise<void> {
  const accounts = await db.kysely.selectFrom('ledger_accounts').select(['id', 'balance']).execute();
  const entries = await db.kysely.selectFrom('ledger_entries').select(['transaction_id', 'account_id', 'amount']).execute();
  const byAccount = new Map<string, number>();
  const byTransaction = new Map<string, number>();
  for (const entry of entries) {
    byAccount.set(entry.account_id, (byAccount.get(entry.account_id) ?? 0) + entry.amount);
    byTransaction.set(entry.transaction_id, (byTransaction.get(entry.transaction_id) ?? 0) + entry.amount);
  }
  // Every balance (wallets included) equals the sum of its entries …
  expect(accounts.map((a) => [a.id, a.balance])).toEqual(accounts.map((a) => [a.id, byAccount.get(a.id) ?? 0]));
  // … every transaction is balanced, so the whole ledger sums to zero.
  expect([...byTransaction.values()].filter((sum) => sum !== 0)).toEqual([]);
  expect(accounts.reduce((total, a) => total + a.balance, 0)).toBe(0);
}
