/** The state of one batch being settled, and the writes every kind of record shares. */
import { raiseFlag, type FlagKind } from './flags.js';
import { chunks, ensureLedgerAccount, operatorAccountId, type LedgerBuffer } from './ledger.js';
import { markDeviceRevoked } from './devices.js';
import type { Outcome, PreparedRecord, SettlementScope } from './settlementRecords.js';
import type { DeviceRow, ReferencedPayments, Settlement, WalletFunds } from './settlementReferences.js';

type SettlementMoney = Partial<Pick<Settlement, 'wallet_id' | 'device_id' | 'from_wallet' | 'from_operator' | 'to_store' | 'transaction_id'>>;

export class SettlementRun {
  readonly consumed = new Set<string>();
  readonly outcomes: { recordId: string; outcome: Outcome }[] = [];
  private readonly newSettlements: Settlement[] = [];
  private readonly changedSettlements = new Set<string>(); // stored before this batch, updated by it
  private lossEnsured = false;

  constructor(
    readonly scope: SettlementScope,
    readonly now: number,
    readonly ledger: LedgerBuffer,
    /** The ledger account of this terminal's store (already ensured). */
    readonly store: string,
    readonly devices: Map<string, DeviceRow>,
    readonly referenced: ReferencedPayments,
    readonly funds: WalletFunds,
  ) {}

  /** The operator's loss account, created on first use. */
  async lossAccount(): Promise<string> {
    const currency = this.scope.ctx.config.policy.currency;
    const loss = operatorAccountId('operator_loss', currency);
    if (!this.lossEnsured) await ensureLedgerAccount(this.scope.trx, { id: loss, kind: 'operator_loss', ownerId: null, currency }, this.now);
    this.lossEnsured = true;
    return loss;
  }

  /** What the wallet can spend: balance, this batch's postings, minus live reservations but `except`. */
  available(walletId: string, except: string | null): number {
    let total = 0;
    for (const [id, amount] of this.funds.reserved.get(walletId) ?? []) if (id !== except) total += amount;
    return (this.funds.balances.get(walletId) ?? 0) + this.ledger.delta(walletId) - total;
  }

  flag(p: PreparedRecord, kind: FlagKind, amount: number, deviceId: string | null, detail?: Record<string, unknown>) {
    const { ctx, trx, terminal } = this.scope;
    return raiseFlag(ctx, trx, {
      kind,
      terminalId: terminal.id,
      storeId: terminal.store_id,
      recordId: p.record.id,
      deviceId,
      amount,
      currency: p.record.currency,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  async revoke(deviceId: string, reason: string): Promise<void> {
    if (await markDeviceRevoked(this.scope.trx, deviceId, reason, this.now)) this.scope.revokedDevices.add(deviceId);
    const device = this.devices.get(deviceId);
    if (device !== undefined && device.status === 'active') this.devices.set(deviceId, { ...device, status: 'revoked', revoked_at: this.now });
  }

  /** Records the settlement of a record (written at the end) and its outcome. */
  finish(p: PreparedRecord, outcome: Outcome, money: SettlementMoney = {}): void {
    const row: Settlement = {
      record_id: p.record.id,
      outcome,
      wallet_id: money.wallet_id ?? null,
      device_id: money.device_id ?? null,
      from_wallet: money.from_wallet ?? 0,
      from_operator: money.from_operator ?? 0,
      to_store: money.to_store ?? 0,
      refunded: 0,
      voided: 0,
      transaction_id: money.transaction_id ?? null,
      settled_at: this.now,
    };
    this.newSettlements.push(row);
    this.referenced.settlements.set(row.record_id, row);
    this.outcomes.push({ recordId: p.record.id, outcome });
  }

  /** An offline approval honoured to the merchant at the operator's cost. */
  async operatorPays(p: PreparedRecord, deviceId: string | null, outcome: Outcome): Promise<void> {
    const transactionId = this.ledger.post({
      kind: 'payment',
      recordId: p.record.id,
      memo: 'honoured offline approval: carried by the operator',
      entries: [
        [await this.lossAccount(), -p.record.amount],
        [this.store, p.record.amount],
      ],
    });
    this.finish(p, outcome, { device_id: deviceId, from_operator: p.record.amount, to_store: p.record.amount, transaction_id: transactionId });
  }

  /** Changes a settlement (refunded, voided); one stored before this batch is updated at the end. */
  update(s: Settlement, change: Partial<Settlement>): void {
    Object.assign(s, change);
    if (!this.newSettlements.includes(s)) this.changedSettlements.add(s.record_id);
  }

  /** Writes ledger rows, settlements, their changes and consumed reservations, in that order. */
  async write(): Promise<void> {
    const { trx } = this.scope;
    await this.ledger.flush(trx);
    for (const chunk of chunks(this.newSettlements, 500)) await trx.insertInto('settlements').values(chunk).execute();
    for (const id of this.changedSettlements) {
      const s = this.referenced.settlements.get(id);
      if (s !== undefined) await trx.updateTable('settlements').set({ refunded: s.refunded, voided: s.voided }).where('record_id', '=', id).execute();
    }
    for (const chunk of chunks([...this.consumed], 500)) {
      await trx.updateTable('reservations').set({ status: 'consumed' }).where('id', 'in', chunk).execute();
    }
  }
}
