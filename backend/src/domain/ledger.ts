/**
 * Double-entry ledger. Every movement of money is one transaction whose entries sum to zero;
 * an account's balance is updated in the same database transaction as its entries, so a
 * balance always equals the sum of its entries (tests check it after every scenario).
 *
 * Accounts: a customer's wallet (its id is the wallet's id); a store's account (what the
 * operator owes the merchant); the operator's loss account (risk the operator carries:
 * honoured offline approvals it could not collect); the operator's funding account (money that
 * entered: top-ups, dev credits).
 */
import type { Transaction } from 'kysely';
import type { Database, LedgerAccountKind } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import { uuidv7 } from '../runtime/ids.js';

export type Tx = Transaction<Database>;

export function storeAccountId(storeId: string, currency: number): string {
  return `store:${storeId}:${currency}`;
}

export function operatorAccountId(kind: 'operator_loss' | 'operator_funding', currency: number): string {
  return `${kind}:${currency}`;
}

/** Creates a store's or the operator's account the first time it is used. */
export async function ensureLedgerAccount(
  trx: Tx,
  account: { id: string; kind: LedgerAccountKind; ownerId: string | null; currency: number },
  nowMs: number,
): Promise<void> {
  await trx
    .insertInto('ledger_accounts')
    .values({ id: account.id, kind: account.kind, owner_id: account.ownerId, currency: account.currency, balance: 0, created_at: nowMs })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

export interface LedgerPosting {
  kind: 'payment' | 'refund' | 'void' | 'credit' | 'topup' | 'reversal';
  recordId?: string | null;
  memo?: string | null;
  /** Account id → signed amount; zero amounts are skipped. Must sum to zero. */
  entries: ReadonlyArray<readonly [accountId: string, amount: number]>;
}

/** A posting's entries merged per account, zeros dropped; throws unless they sum to zero. */
function balancedEntries(posting: LedgerPosting): [account: string, amount: number][] {
  const merged = new Map<string, number>();
  for (const [account, amount] of posting.entries) {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`ledger amounts are safe integers: ${amount}`);
    merged.set(account, (merged.get(account) ?? 0) + amount);
  }
  const entries = [...merged].filter(([, amount]) => amount !== 0);
  const sum = entries.reduce((total, [, amount]) => total + amount, 0);
  if (sum !== 0) throw new Error(`unbalanced ledger transaction (${posting.kind}): entries sum to ${sum}`);
  return entries;
}

/** Writes one balanced transaction; returns its id (null when every amount is zero). */
export async function postLedger(trx: Tx, clock: Clock, random: Random, posting: LedgerPosting): Promise<string | null> {
  const entries = balancedEntries(posting);
  if (entries.length === 0) return null;
  const now = clock.nowMs();
  const id = uuidv7(clock, random);
  await trx
    .insertInto('ledger_transactions')
    .values({ id, kind: posting.kind, record_id: posting.recordId ?? null, created_at: now, memo: posting.memo ?? null })
    .execute();
  await trx
    .insertInto('ledger_entries')
    .values(entries.map(([account_id, amount]) => ({ transaction_id: id, account_id, amount, created_at: now })))
    .execute();
  for (const [account, amount] of entries) {
    await trx
      .updateTable('ledger_accounts')
      .set((eb) => ({ balance: eb('balance', '+', amount) }))
      .where('id', '=', account)
      .execute();
  }
  return id;
}

/**
 * Ledger postings of one batch, kept in memory and written with a few multi-row statements
 * at the end of the transaction. Balances read during the batch add `delta(account)`.
 */
export class LedgerBuffer {
  readonly #transactions: { id: string; kind: string; record_id: string | null; created_at: number; memo: string | null }[] = [];
  readonly #entries: { transaction_id: string; account_id: string; amount: number; created_at: number }[] = [];
  readonly #deltas = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  delta(account: string): number {
    return this.#deltas.get(account) ?? 0;
  }

  /** Same rules as postLedger; returns the transaction id (null when every amount is zero). */
  post(posting: LedgerPosting): string | null {
    const entries = balancedEntries(posting);
    if (entries.length === 0) return null;
    const now = this.clock.nowMs();
    const id = uuidv7(this.clock, this.random);
    this.#transactions.push({ id, kind: posting.kind, record_id: posting.recordId ?? null, created_at: now, memo: posting.memo ?? null });
    for (const [account_id, amount] of entries) {
      this.#entries.push({ transaction_id: id, account_id, amount, created_at: now });
      this.#deltas.set(account_id, this.delta(account_id) + amount);
    }
    return id;
  }

  async flush(trx: Tx): Promise<void> {
    for (const chunk of chunks(this.#transactions, 1000)) await trx.insertInto('ledger_transactions').values(chunk).execute();
    for (const chunk of chunks(this.#entries, 1000)) await trx.insertInto('ledger_entries').values(chunk).execute();
    for (const [account, amount] of [...this.#deltas].sort(([a], [b]) => a.localeCompare(b))) {
      if (amount === 0) continue;
      await trx
        .updateTable('ledger_accounts')
        .set((eb) => ({ balance: eb('balance', '+', amount) }))
        .where('id', '=', account)
        .execute();
    }
    this.#transactions.length = 0;
    this.#entries.length = 0;
    this.#deltas.clear();
  }
}

/** Splits rows for multi-row inserts (both databases limit bound parameters per statement). */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
