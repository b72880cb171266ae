/**
 * Settlement of journal records (DESIGN.md "Journal ingestion and settlement"), inside the
 * transaction that stored them:
 *
 * - an approved payment is re-verified (stage B) at its createdAt, bounded by the terminal's
 *   previous sync − skew and the arrival, with the newest bundle the terminal is known to have
 *   held (at least the serial it claims); a device already revoked in that bundle is
 *   `device_was_revoked` (the merchant's loss), any other failure `invalid_token`;
 * - the first use of (device, counter) settles: the wallet is debited (or the reservation of an
 *   online authorization consumed) and the store credited; a later use with identical signed
 *   bytes is a copied code (`duplicate_token`: flagged, phone not revoked), with different
 *   bytes a cloned key (`cloned_device`: flagged, device revoked at once). A merchant who
 *   approved a copy offline at another register is honoured from the operator's loss account;
 * - a wallet that cannot cover the payment pays what it has, the operator the rest:
 *   `insufficient_funds`, flagged, phone revoked — never dropped;
 * - a refund credits the wallet up to what the payment took from it minus earlier refunds, at
 *   the same store (otherwise `refund_refused`); a void reverses what is left of the payment.
 *
 * A batch is settled with a fixed number of statements: tokens are verified before the
 * transaction, (device, counter) claims go in one multi-row insert, what the records refer to
 * is read once, and ledger rows, settlements and outcomes are written together at the end.
 */
import { decodeTokenText, parseToken, SETTLEMENT_OUTCOMES, type JournalRecord, type SettlementOutcome, type TokenVerification } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Selectable } from 'kysely';
import type { ReservationsTable, SettlementsTable, Terminal } from '../db/schema.js';
import { raiseFlag, type FlagKind } from './flags.js';
import { chunks, ensureLedgerAccount, LedgerBuffer, operatorAccountId, storeAccountId, type Tx } from './ledger.js';
import { markDeviceRevoked } from './devices.js';

/** The outcome codes are the protocol's (§8); terminals explain each one to the cashier. */
export const OUTCOMES = SETTLEMENT_OUTCOMES;
export type Outcome = SettlementOutcome;

/** A stored record with what was worked out before the transaction. */
export interface PreparedRecord {
  readonly record: JournalRecord;
  /** Stage B at the verification time, for approved payments with a token; else null. */
  readonly verification: TokenVerification | null;
  readonly atMs: number;
  readonly trustSerial: number;
}

export interface SettlementScope {
  readonly ctx: AppContext;
  readonly trx: Tx;
  readonly terminal: Terminal;
  /** Devices revoked by this batch: the bundle is re-signed after the commit. */
  readonly revokedDevices: Set<string>;
}

/** Where createdAt is believed: between the previous sync − skew and the arrival. */
export function verificationTime(bounds: { lowerBoundMs: number; arrivalMs: number }, createdAt: number): number {
  return Math.min(Math.max(createdAt, bounds.lowerBoundMs), bounds.arrivalMs);
}

/** The device id a token names, read without verification (for analysis and lookups). */
export function tokenDeviceId(token: string | null): string | null {
  if (token === null) return null;
  const decoded = decodeTokenText(token);
  return decoded.ok ? parseToken(decoded.bytes).certificate.deviceId : null;
}

type Settlement = Selectable<SettlementsTable>;
type Reservation = Selectable<ReservationsTable>;
interface DeviceRow {
  id: string;
  wallet_id: string;
  status: string;
  revoked_at: number | null;
}
interface Claim {
  deviceId: string;
  counter: number;
  token: string;
  terminalId: string;
  recordId: string | null;
  reservationId: string | null;
}

const key = (deviceId: string, counter: number): string => `${deviceId}/${counter}`;

/** Settles stored records in order; returns the outcome of each record that has one. */
export async function settleBatch(
  scope: SettlementScope,
  prepared: readonly PreparedRecord[],
): Promise<{ recordId: string; outcome: Outcome }[]> {
  if (prepared.length === 0) return [];
  const { ctx, trx, terminal } = scope;
  const now = ctx.clock.nowMs();
  const currency = ctx.config.policy.currency;
  const ledger = new LedgerBuffer(ctx.clock, ctx.random);
  const store = storeAccountId(terminal.store_id, currency);
  await ensureLedgerAccount(trx, { id: store, kind: 'store', ownerId: terminal.store_id, currency }, now);
  const loss = operatorAccountId('operator_loss', currency);
  let lossEnsured = false;
  const lossAccount = async (): Promise<string> => {
    if (!lossEnsured) await ensureLedgerAccount(trx, { id: loss, kind: 'operator_loss', ownerId: null, currency }, now);
    lossEnsured = true;
    return loss;
  };

  // Reservations of online authorizations the records carry.
  const authorizationIds = prepared.flatMap((p) => (p.record.authorization === null ? [] : [p.record.authorization]));
  const reservations = new Map<string, Reservation>();
  const loadReservations = async (ids: readonly string[]): Promise<void> => {
    const missing = [...new Set(ids)].filter((id) => !reservations.has(id));
    for (const chunk of chunks(missing, 500)) {
      const rows = await trx.selectFrom('reservations').selectAll().where('id', 'in', chunk).where('terminal_id', '=', terminal.id).execute();
      for (const row of rows) reservations.set(row.id, row);
    }
  };
  await loadReservations(authorizationIds);
  const usable = (p: PreparedRecord): Reservation | undefined => {
    const reservation = p.record.authorization === null ? undefined : reservations.get(p.record.authorization);
    return reservation !== undefined &&
      reservation.status === 'active' &&
      reservation.decision === 'approved' &&
      reservation.token === p.record.token &&
      reservation.amount === p.record.amount &&
      reservation.currency === p.record.currency
      ? reservation
      : undefined;
  };

  // Claim the first use of every (device, counter) in one statement. A concurrent transaction
  // claiming the same key makes PostgreSQL wait for it, then skip the row.
  const firstInBatch = new Map<string, string>(); // key → record id
  const claims: Claim[] = [];
  const keyOf = new Map<string, { deviceId: string; counter: number }>(); // record id → key parts
  for (const p of prepared) {
    if (p.record.kind !== 'payment' || p.record.decision !== 'approved' || p.record.token === null) continue;
    const reservation = usable(p);
    const parts =
      reservation !== undefined && reservation.device_id !== null && reservation.counter !== null
        ? { deviceId: reservation.device_id, counter: reservation.counter }
        : p.verification?.ok === true
          ? { deviceId: p.verification.fields.deviceId, counter: p.verification.fields.counter }
          : undefined;
    if (parts === undefined) continue;
    keyOf.set(p.record.id, parts);
    const k = key(parts.deviceId, parts.counter);
    if (firstInBatch.has(k)) continue;
    firstInBatch.set(k, p.record.id);
    claims.push({ ...parts, token: p.record.token, terminalId: terminal.id, recordId: p.record.id, reservationId: null });
  }
  const claimed = new Set<string>();
  for (const chunk of chunks(claims, 500)) {
    const rows = await trx
      .insertInto('token_uses')
      .values(
        chunk.map((c) => ({
          device_id: c.deviceId,
          counter: c.counter,
          token: c.token,
          terminal_id: c.terminalId,
          record_id: c.recordId,
          reservation_id: null,
          created_at: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['device_id', 'counter']).doNothing())
      .returning(['device_id', 'counter'])
      .execute();
    for (const row of rows) claimed.add(key(row.device_id, row.counter));
  }
  const earlier = new Map<string, Claim>(); // uses stored before this batch
  const conflicting = claims.filter((c) => !claimed.has(key(c.deviceId, c.counter)));
  if (conflicting.length > 0) {
    const deviceIds = [...new Set(conflicting.map((c) => c.deviceId))];
    const counters = [...new Set(conflicting.map((c) => c.counter))];
    for (const chunk of chunks(counters, 500)) {
      const rows = await trx
        .selectFrom('token_uses')
        .selectAll()
        .where('device_id', 'in', deviceIds)
        .where('counter', 'in', chunk)
        .execute();
      for (const row of rows) {
        earlier.set(key(row.device_id, row.counter), {
          deviceId: row.device_id,
          counter: row.counter,
          token: row.token,
          terminalId: row.terminal_id,
          recordId: row.record_id,
          reservationId: row.reservation_id,
        });
      }
    }
    await loadReservations([...earlier.values()].flatMap((c) => (c.reservationId === null ? [] : [c.reservationId])));
  }

  // Devices and their wallets (PostgreSQL: the wallet rows were locked by the caller).
  const devices = new Map<string, DeviceRow>();
  const deviceIds = [...new Set([...keyOf.values()].map((parts) => parts.deviceId))];
  for (const chunk of chunks(deviceIds, 500)) {
    const rows = await trx.selectFrom('devices').select(['id', 'wallet_id', 'status', 'revoked_at']).where('id', 'in', chunk).execute();
    for (const row of rows) devices.set(row.id, row);
  }

  // What refunds and voids refer to: payments stored earlier, or earlier in this batch.
  const refs = [...new Set(prepared.flatMap((p) => (p.record.kind !== 'payment' && p.record.ref !== null ? [p.record.ref] : [])))];
  const paymentStores = new Map<string, { storeId: string; currency: number }>();
  const settlements = new Map<string, Settlement>();
  const changedSettlements = new Set<string>(); // stored before this batch, updated by it
  for (const chunk of chunks(refs, 500)) {
    const rows = await trx.selectFrom('journal_records').select(['id', 'store_id', 'kind', 'currency']).where('id', 'in', chunk).execute();
    for (const row of rows) if (row.kind === 'payment') paymentStores.set(row.id, { storeId: row.store_id, currency: row.currency });
    const lock = ctx.db.dialect === 'postgres';
    const query = trx.selectFrom('settlements').selectAll().where('record_id', 'in', chunk);
    for (const row of await (lock ? query.forUpdate() : query).execute()) settlements.set(row.record_id, row);
  }

  const walletIds = new Set<string>([...devices.values()].map((d) => d.wallet_id));
  for (const s of settlements.values()) if (s.wallet_id !== null) walletIds.add(s.wallet_id);
  const balances = new Map<string, number>();
  const reserved = new Map<string, Map<string, number>>(); // wallet → reservation id → amount
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
  const available = (walletId: string, except: string | null): number => {
    let total = 0;
    for (const [id, amount] of reserved.get(walletId) ?? []) if (id !== except) total += amount;
    return (balances.get(walletId) ?? 0) + ledger.delta(walletId) - total;
  };

  const consumed = new Set<string>();
  const newSettlements: Settlement[] = [];
  const outcomes: { recordId: string; outcome: Outcome }[] = [];

  const flag = (p: PreparedRecord, kind: FlagKind, amount: number, deviceId: string | null, detail?: Record<string, unknown>) =>
    raiseFlag(ctx, trx, {
      kind,
      terminalId: terminal.id,
      storeId: terminal.store_id,
      recordId: p.record.id,
      deviceId,
      amount,
      currency: p.record.currency,
      ...(detail === undefined ? {} : { detail }),
    });
  const revoke = async (deviceId: string, reason: string): Promise<void> => {
    if (await markDeviceRevoked(trx, deviceId, reason, now)) scope.revokedDevices.add(deviceId);
    const device = devices.get(deviceId);
    if (device !== undefined && device.status === 'active') devices.set(deviceId, { ...device, status: 'revoked', revoked_at: now });
  };
  const finish = (
    p: PreparedRecord,
    outcome: Outcome,
    money: Partial<Pick<Settlement, 'wallet_id' | 'device_id' | 'from_wallet' | 'from_operator' | 'to_store' | 'transaction_id'>> = {},
  ): void => {
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
      settled_at: now,
    };
    newSettlements.push(row);
    settlements.set(row.record_id, row);
    outcomes.push({ recordId: p.record.id, outcome });
  };
  const operatorPays = async (p: PreparedRecord, deviceId: string | null, outcome: Outcome): Promise<void> => {
    const transactionId = ledger.post({
      kind: 'payment',
      recordId: p.record.id,
      memo: 'honoured offline approval: carried by the operator',
      entries: [
        [await lossAccount(), -p.record.amount],
        [store, p.record.amount],
      ],
    });
    finish(p, outcome, { device_id: deviceId, from_operator: p.record.amount, to_store: p.record.amount, transaction_id: transactionId });
  };

  const settlePayment = async (p: PreparedRecord): Promise<void> => {
    const { record } = p;
    const parts = keyOf.get(record.id);
    if (parts === undefined) {
      const named = tokenDeviceId(record.token);
      const reason = p.verification === null || p.verification.ok ? 'no_token' : p.verification.reason;
      const outcome: Outcome = reason === 'device_revoked' ? 'device_was_revoked' : 'invalid_token';
      await flag(p, outcome, record.amount, named, { reason, trustSerial: p.trustSerial, verifiedAt: p.atMs });
      finish(p, outcome, { device_id: named });
      return;
    }
    const { deviceId, counter } = parts;
    const k = key(deviceId, counter);
    let reservation = usable(p);
    const isFirst = firstInBatch.get(k) === record.id;
    if (!isFirst || !claimed.has(k)) {
      // The use this one comes after: earlier in this batch when the batch claimed the key,
      // otherwise the one stored before.
      const first = !isFirst && claimed.has(k) ? claims.find((c) => c.recordId === firstInBatch.get(k)) : earlier.get(k);
      if (first === undefined) throw new Error('a token use that was neither claimed nor found');
      // Authorized online at this terminal for this very token and not journaled yet: the record
      // is that sale, even without the authorization id (the terminal may have timed out and
      // decided offline while the backend approved).
      const theirs = first.reservationId === null ? undefined : reservations.get(first.reservationId);
      const ours =
        theirs !== undefined &&
        theirs.decision === 'approved' &&
        (theirs.status === 'active' || theirs.status === 'released') &&
        !consumed.has(theirs.id) &&
        first.terminalId === terminal.id &&
        first.token === record.token;
      if (ours) {
        reservation = theirs.status === 'active' ? theirs : undefined;
        consumed.add(theirs.id);
      } else {
        const copied = first.token === record.token;
        const outcome: Outcome = copied ? 'duplicate_token' : 'cloned_device';
        const sameTerminal = first.terminalId === terminal.id;
        await flag(p, outcome, record.amount, deviceId, { counter, firstRecordId: first.recordId, firstTerminalId: first.terminalId, sameTerminal });
        if (!copied) await revoke(deviceId, 'cloned_device');
        // Honoured to the merchant (the operator carries the risk) unless the same register
        // approved the same code twice, which its own replay cache must prevent.
        if (sameTerminal) finish(p, outcome, { device_id: deviceId });
        else await operatorPays(p, deviceId, outcome);
        return;
      }
    }

    const device = devices.get(deviceId);
    if (device === undefined) {
      await flag(p, 'invalid_token', record.amount, deviceId, { reason: 'unknown_device' });
      finish(p, 'invalid_token', { device_id: deviceId });
      return;
    }
    if (reservation === undefined && device.revoked_at !== null && device.revoked_at <= p.atMs) {
      // Revoked after the terminal's bundle was signed: honoured from the operator's risk, never
      // charged to the customer who reported the phone.
      await flag(p, 'device_was_revoked', record.amount, deviceId, { honoured: true, revokedAt: device.revoked_at });
      await operatorPays(p, deviceId, 'settled');
      return;
    }
    const wallet = device.wallet_id;
    const canPay = available(wallet, reservation?.id ?? null);
    if (reservation !== undefined) {
      consumed.add(reservation.id);
      reserved.get(wallet)?.delete(reservation.id);
    }
    if (canPay >= record.amount) {
      const transactionId = ledger.post({
        kind: 'payment',
        recordId: record.id,
        entries: [
          [wallet, -record.amount],
          [store, record.amount],
        ],
      });
      finish(p, 'settled', { wallet_id: wallet, device_id: deviceId, from_wallet: record.amount, to_store: record.amount, transaction_id: transactionId });
      return;
    }
    const fromWallet = Math.max(0, canPay);
    const fromOperator = record.amount - fromWallet;
    const transactionId = ledger.post({
      kind: 'payment',
      recordId: record.id,
      memo: 'insufficient funds: the operator covers the shortfall',
      entries: [
        [wallet, -fromWallet],
        [await lossAccount(), -fromOperator],
        [store, record.amount],
      ],
    });
    await flag(p, 'insufficient_funds', fromOperator, deviceId, { paymentAmount: record.amount, walletPaid: fromWallet });
    await revoke(deviceId, 'insufficient_funds');
    finish(p, 'insufficient_funds', {
      wallet_id: wallet,
      device_id: deviceId,
      from_wallet: fromWallet,
      from_operator: fromOperator,
      to_store: record.amount,
      transaction_id: transactionId,
    });
  };

  /** The settled payment a refund or void refers to, at this terminal's store. */
  const referenced = (p: PreparedRecord): Settlement | undefined => {
    const ref = p.record.ref;
    if (ref === null) return undefined;
    const payment = paymentStores.get(ref);
    if (payment === undefined || payment.storeId !== terminal.store_id || payment.currency !== p.record.currency) return undefined;
    return settlements.get(ref);
  };
  const update = (s: Settlement, change: Partial<Settlement>): void => {
    Object.assign(s, change);
    if (!newSettlements.includes(s)) changedSettlements.add(s.record_id);
  };

  const settleRefund = async (p: PreparedRecord): Promise<void> => {
    const s = referenced(p);
    const refundable = s === undefined || s.voided === 1 || s.wallet_id === null ? 0 : s.from_wallet - s.refunded;
    if (s === undefined || s.wallet_id === null || p.record.amount > refundable) {
      await raiseFlag(ctx, trx, {
        kind: 'refund_refused',
        terminalId: terminal.id,
        storeId: terminal.store_id,
        recordId: p.record.id,
        amount: p.record.amount,
        currency: p.record.currency,
        detail: { ref: p.record.ref, refundable, known: s !== undefined },
      });
      finish(p, 'refund_refused');
      return;
    }
    const transactionId = ledger.post({
      kind: 'refund',
      recordId: p.record.id,
      entries: [
        [store, -p.record.amount],
        [s.wallet_id, p.record.amount],
      ],
    });
    update(s, { refunded: s.refunded + p.record.amount });
    finish(p, 'refund_settled', {
      wallet_id: s.wallet_id,
      device_id: s.device_id,
      from_wallet: -p.record.amount,
      to_store: -p.record.amount,
      transaction_id: transactionId,
    });
  };

  const settleVoid = async (p: PreparedRecord): Promise<void> => {
    const s = referenced(p);
    if (s === undefined || s.voided === 1) {
      await raiseFlag(ctx, trx, {
        kind: 'void_unknown_payment',
        terminalId: terminal.id,
        storeId: terminal.store_id,
        recordId: p.record.id,
        amount: p.record.amount,
        currency: p.record.currency,
        detail: { ref: p.record.ref, alreadyVoided: s !== undefined },
      });
      finish(p, 'void_settled');
      return;
    }
    const backToWallet = s.from_wallet - s.refunded;
    const fromStore = s.to_store - s.refunded;
    const entries: [string, number][] = [[store, -fromStore]];
    if (s.wallet_id !== null) entries.push([s.wallet_id, backToWallet]);
    if (s.from_operator !== 0) entries.push([await lossAccount(), s.from_operator]);
    const transactionId = ledger.post({ kind: 'void', recordId: p.record.id, entries });
    update(s, { voided: 1 });
    finish(p, 'void_settled', {
      wallet_id: s.wallet_id,
      device_id: s.device_id,
      from_wallet: -backToWallet,
      from_operator: -s.from_operator,
      to_store: -fromStore,
      transaction_id: transactionId,
    });
  };

  for (const p of prepared) {
    if (p.record.kind === 'payment') {
      if (p.record.decision === 'approved') await settlePayment(p);
      paymentStores.set(p.record.id, { storeId: terminal.store_id, currency: p.record.currency });
    } else if (p.record.kind === 'refund') {
      await settleRefund(p);
    } else {
      await settleVoid(p);
    }
  }

  await ledger.flush(trx);
  for (const chunk of chunks(newSettlements, 500)) await trx.insertInto('settlements').values(chunk).execute();
  for (const id of changedSettlements) {
    const s = settlements.get(id);
    if (s !== undefined) await trx.updateTable('settlements').set({ refunded: s.refunded, voided: s.voided }).where('record_id', '=', id).execute();
  }
  for (const chunk of chunks([...consumed], 500)) {
    await trx.updateTable('reservations').set({ status: 'consumed' }).where('id', 'in', chunk).execute();
  }
  return outcomes;
}
