/** Settling an approved payment: first use, copied code, cloned key, revoked device, insufficient funds. */
import { tokenDeviceId, type Outcome, type PreparedRecord } from './settlementRecords.js';
import type { ReservationCache } from './settlementReferences.js';
import type { SettlementRun } from './settlementRun.js';
import { useKey, type TokenUseClaims } from './tokenUseClaims.js';

export async function settlePayment(run: SettlementRun, uses: TokenUseClaims, reservations: ReservationCache, p: PreparedRecord): Promise<void> {
  const { record } = p;
  const { terminal } = run.scope;
  const parts = uses.keyOf.get(record.id);
  if (parts === undefined) {
    const named = tokenDeviceId(record.token);
    const reason = p.verification === null || p.verification.ok ? 'no_token' : p.verification.reason;
    const outcome: Outcome = reason === 'device_revoked' ? 'device_was_revoked' : 'invalid_token';
    await run.flag(p, outcome, record.amount, named, { reason, trustSerial: p.trustSerial, verifiedAt: p.atMs });
    run.finish(p, outcome, { device_id: named });
    return;
  }
  const { deviceId, counter } = parts;
  const k = useKey(deviceId, counter);
  let reservation = reservations.usable(p);
  const isFirst = uses.firstInBatch.get(k) === record.id;
  if (!isFirst || !uses.claimed.has(k)) {
    // The use this one comes after: earlier in this batch when the batch claimed the key,
    // otherwise the one stored before.
    const first = !isFirst && uses.claimed.has(k) ? uses.claims.find((c) => c.recordId === uses.firstInBatch.get(k)) : uses.earlier.get(k);
    if (first === undefined) throw new Error('a token use that was neither claimed nor found');
    // Authorized online at this terminal for this very token and not journaled yet: the record
    // is that sale, even without the authorization id (the terminal may have timed out and
    // decided offline while the backend approved).
    const theirs = first.reservationId === null ? undefined : reservations.get(first.reservationId);
    const ours =
      theirs !== undefined &&
      theirs.decision === 'approved' &&
      (theirs.status === 'active' || theirs.status === 'released') &&
      !run.consumed.has(theirs.id) &&
      first.terminalId === terminal.id &&
      first.token === record.token;
    if (ours) {
      reservation = theirs.status === 'active' ? theirs : undefined;
      run.consumed.add(theirs.id);
    } else {
      const copied = first.token === record.token;
      const outcome: Outcome = copied ? 'duplicate_token' : 'cloned_device';
      const sameTerminal = first.terminalId === terminal.id;
      await run.flag(p, outcome, record.amount, deviceId, { counter, firstRecordId: first.recordId, firstTerminalId: first.terminalId, sameTerminal });
      if (!copied) await run.revoke(deviceId, 'cloned_device');
      // Honoured to the merchant (the operator carries the risk) unless the same register
      // approved the same code twice, which its own replay cache must prevent.
      if (sameTerminal) run.finish(p, outcome, { device_id: deviceId });
      else await run.operatorPays(p, deviceId, outcome);
      return;
    }
  }

  const device = run.devices.get(deviceId);
  if (device === undefined) {
    await run.flag(p, 'invalid_token', record.amount, deviceId, { reason: 'unknown_device' });
    run.finish(p, 'invalid_token', { device_id: deviceId });
    return;
  }
  if (reservation === undefined && device.revoked_at !== null && device.revoked_at <= p.atMs) {
    // Revoked after the terminal's bundle was signed: honoured from the operator's risk, never
    // charged to the customer who reported the phone.
    await run.flag(p, 'device_was_revoked', record.amount, deviceId, { honoured: true, revokedAt: device.revoked_at });
    await run.operatorPays(p, deviceId, 'settled');
    return;
  }
  const wallet = device.wallet_id;
  const canPay = run.available(wallet, reservation?.id ?? null);
  if (reservation !== undefined) {
    run.consumed.add(reservation.id);
    run.funds.reserved.get(wallet)?.delete(reservation.id);
  }
  if (canPay >= record.amount) {
    const transactionId = run.ledger.post({
      kind: 'payment',
      recordId: record.id,
      entries: [
        [wallet, -record.amount],
        [run.store, record.amount],
      ],
    });
    run.finish(p, 'settled', { wallet_id: wallet, device_id: deviceId, from_wallet: record.amount, to_store: record.amount, transaction_id: transactionId });
    return;
  }
  const fromWallet = Math.max(0, canPay);
  const fromOperator = record.amount - fromWallet;
  const transactionId = run.ledger.post({
    kind: 'payment',
    recordId: record.id,
    memo: 'insufficient funds: the operator covers the shortfall',
    entries: [
      [wallet, -fromWallet],
      [await run.lossAccount(), -fromOperator],
      [run.store, record.amount],
    ],
  });
  await run.flag(p, 'insufficient_funds', fromOperator, deviceId, { paymentAmount: record.amount, walletPaid: fromWallet });
  await run.revoke(deviceId, 'insufficient_funds');
  run.finish(p, 'insufficient_funds', {
    wallet_id: wallet,
    device_id: deviceId,
    from_wallet: fromWallet,
    from_operator: fromOperator,
    to_store: record.amount,
    transaction_id: transactionId,
  });
}
