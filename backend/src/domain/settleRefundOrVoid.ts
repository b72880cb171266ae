/** Settling refunds and voids against the payment they refer to. */
import { raiseFlag } from './flags.js';
import type { PreparedRecord } from './settlementRecords.js';
import type { Settlement } from './settlementReferences.js';
import type { SettlementRun } from './settlementRun.js';

/** The settled payment a refund or void refers to, at this terminal's store. */
function referencedPayment(run: SettlementRun, p: PreparedRecord): Settlement | undefined {
  const ref = p.record.ref;
  if (ref === null) return undefined;
  const payment = run.referenced.paymentStores.get(ref);
  if (payment === undefined || payment.storeId !== run.scope.terminal.store_id || payment.currency !== p.record.currency) return undefined;
  return run.referenced.settlements.get(ref);
}

/** Credits the wallet up to what the payment took from it minus earlier refunds. */
export async function settleRefund(run: SettlementRun, p: PreparedRecord): Promise<void> {
  const { ctx, trx, terminal } = run.scope;
  const s = referencedPayment(run, p);
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
    run.finish(p, 'refund_refused');
    return;
  }
  const transactionId = run.ledger.post({
    kind: 'refund',
    recordId: p.record.id,
    entries: [
      [run.store, -p.record.amount],
      [s.wallet_id, p.record.amount],
    ],
  });
  run.update(s, { refunded: s.refunded + p.record.amount });
  run.finish(p, 'refund_settled', {
    wallet_id: s.wallet_id,
    device_id: s.device_id,
    from_wallet: -p.record.amount,
    to_store: -p.record.amount,
    transaction_id: transactionId,
  });
}

/** Reverses what is left of the payment: to the wallet, from the store, back to the operator. */
export async function settleVoid(run: SettlementRun, p: PreparedRecord): Promise<void> {
  const { ctx, trx, terminal } = run.scope;
  const s = referencedPayment(run, p);
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
    run.finish(p, 'void_settled');
    return;
  }
  const backToWallet = s.from_wallet - s.refunded;
  const fromStore = s.to_store - s.refunded;
  const entries: [string, number][] = [[run.store, -fromStore]];
  if (s.wallet_id !== null) entries.push([s.wallet_id, backToWallet]);
  if (s.from_operator !== 0) entries.push([await run.lossAccount(), s.from_operator]);
  const transactionId = run.ledger.post({ kind: 'void', recordId: p.record.id, entries });
  run.update(s, { voided: 1 });
  run.finish(p, 'void_settled', {
    wallet_id: s.wallet_id,
    device_id: s.device_id,
    from_wallet: -backToWallet,
    from_operator: -s.from_operator,
    to_store: -fromStore,
    transaction_id: transactionId,
  });
}
