/** Reading once what the records of a batch refer to: reservations, devices, payments, wallets. */
import type { Selectable } from 'kysely';
import type { AppContext } from '../context.js';
import type { ReservationsTable, SettlementsTable } from '../db/schema.js';
import { chunks, type Tx } from './ledger.js';
import type { PreparedRecord } from './settlementRecords.js';

export type Settlement = Selectable<SettlementsTable>;
export type Reservation = Selectable<ReservationsTable>;
export interface DeviceRow {
  id: string;
  wallet_id: string;
  status: string;
  revoked_at: number | null;
}

/** Reservations of online authorizations at this terminal, each read once. */
export class ReservationCache {
  private readonly rows = new Map<string, Reservation>();

  constructor(
    private readonly trx: Tx,
    private readonly terminalId: string,
  ) {}

  async load(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.rows.has(id));
    for (const chunk of chunks(missing, 500)) {
      const rows = await this.trx.selectFrom('reservations').selectAll().where('id', 'in', chunk).where('terminal_id', '=', this.terminalId).execute();
      for (const row of rows) this.rows.set(row.id, row);
    }
  }

  get(id: string): Reservation | undefined {
    return this.rows.get(id);
  }

  /** The reservation a record may consume: active, approved, for this very token and amount. */
  usable(p: PreparedRecord): Reservation | undefined {
    const reservation = p.record.authorization === null ? undefined : this.rows.get(p.record.authorization);
    return reservation !== undefined &&
      reservation.status === 'active' &&
      reservation.decision === 'approved' &&
      reservation.token === p.record.token &&
      reservation.amount === p.record.amount &&
      reservation.currency === p.record.currency
      ? reservation
      : undefined;
  }
}

/** Devices and their wallets (PostgreSQL: the wallet rows were locked by the caller). */
export async function loadDevices(trx: Tx, deviceIds: readonly string[]): Promise<Map<string, DeviceRow>> {
  const devices = new Map<string, DeviceRow>();
  for (const chunk of chunks(deviceIds, 500)) {
    const rows = await trx.selectFrom('devices').select(['id', 'wallet_id', 'status', 'revoked_at']).where('id', 'in', chunk).execute();
    for (const row of rows) devices.set(row.id, row);
  }
  return devices;
}

export interface ReferencedPayments {
  readonly paymentStores: Map<string, { storeId: string; currency: number }>;
  /** Settlements by record id (PostgreSQL: locked for update). */
  readonly settlements: Map<string, Settlement>;
}

/** What refunds and voids refer to: payments stored earlier, or earlier in this batch. */
export async function loadReferencedPayments(ctx: AppContext, trx: Tx, prepared: readonly PreparedRecord[]): Promise<ReferencedPayments> {
  const refs = [...new Set(prepared.flatMap((p) => (p.record.kind !== 'payment' && p.record.ref !== null ? [p.record.ref] : [])))];
  const paymentStores = new Map<string, { storeId: string; currency: number }>();
  const settlements = new Map<string, Settlement>();
  for (const chunk of chunks(refs, 500)) {
    const rows = await trx.selectFrom('journal_records').select(['id', 'store_id', 'kind', 'currency']).where('id', 'in', chunk).execute();
    for (const row of rows) if (row.kind === 'payment') paymentStores.set(row.id, { storeId: row.store_id, currency: row.currency });
    const lock = ctx.db.dialect === 'postgres';
    const query = trx.selectFrom('settlements').selectAll().where('record_id', 'in', chunk);
    for (const row of await (lock ? query.forUpdate() : query).execute()) settlements.set(row.record_id, row);
  }
  return { paymentStores, settlements };
}

export interface WalletFunds {
  readonly balances: Map<string, number>;
  /** wallet → reservation id → amount, for reservations still active and unexpired. */
  readonly reserved: Map<string, Map<string, number>>;
}

/** Balances of the wallets the batch touches and what live reservations hold of them. */
export async function loadWalletFunds(trx: Tx, walletIds: ReadonlySet<string>, now: number): Promise<WalletFunds> {
  const balances = new Map<string, number>();
  const reserved = new Map<string, Map<string, number>>();
  for (const chunk of chunks([...walletIds], 500)) {
    for (const row of await trx.selectFrom('ledger_accounts').select(['id', 'balance']).where('id', 'in', chunk).execute()) {
      balances.set(row.id, row.balance);
    }
    const live = await trx
      .selectFrom('reservations')
      .select(['id', 'wallet_id', 'amount'])
      .where('wallet_id', 'in', chunk)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .execute();
    for (const row of live) {
      if (row.wallet_id === null) continue;
      const map = reserved.get(row.wallet_id) ?? new Map<string, number>();
      map.set(row.id, row.amount);
      reserved.set(row.wallet_id, map);
    }
  }
  return { balances, reserved };
}
