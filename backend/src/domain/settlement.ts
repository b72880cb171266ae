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
import { ensureLedgerAccount, LedgerBuffer, storeAccountId } from './ledger.js';
import type { Outcome, PreparedRecord, SettlementScope } from './settlementRecords.js';
import { loadDevices, loadReferencedPayments, loadWalletFunds, ReservationCache } from './settlementReferences.js';
import { SettlementRun } from './settlementRun.js';
import { settlePayment } from './settlePayment.js';
import { settleRefund, settleVoid } from './settleRefundOrVoid.js';
import { claimTokenUses } from './tokenUseClaims.js';

export { OUTCOMES, tokenDeviceId, verificationTime, type Outcome, type PreparedRecord, type SettlementScope } from './settlementRecords.js';

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

  // Read once what the records refer to, claiming the first uses of tokens on the way.
  const reservations = new ReservationCache(trx, terminal.id);
  await reservations.load(prepared.flatMap((p) => (p.record.authorization === null ? [] : [p.record.authorization])));
  const uses = await claimTokenUses(trx, terminal, prepared, reservations, now);
  const devices = await loadDevices(trx, [...new Set([...uses.keyOf.values()].map((parts) => parts.deviceId))]);
  const referenced = await loadReferencedPayments(ctx, trx, prepared);
  const walletIds = new Set<string>([...devices.values()].map((d) => d.wallet_id));
  for (const s of referenced.settlements.values()) if (s.wallet_id !== null) walletIds.add(s.wallet_id);
  const funds = await loadWalletFunds(trx, walletIds, now);

  const run = new SettlementRun(scope, now, ledger, store, devices, referenced, funds);
  for (const p of prepared) {
    if (p.record.kind === 'payment') {
      if (p.record.decision === 'approved') await settlePayment(run, uses, reservations, p);
      referenced.paymentStores.set(p.record.id, { storeId: terminal.store_id, currency: p.record.currency });
    } else if (p.record.kind === 'refund') {
      await settleRefund(run, p);
    } else {
      await settleVoid(run, p);
    }
  }

  // Ledger rows, settlements and outcomes are written together at the end.
  await run.write();
  return run.outcomes;
}
