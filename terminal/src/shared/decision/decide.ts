import type { DeclineReason, JournalRecord, TerminalReason, TokenVerifier, TrustBundleDocument } from '@tegata/protocol';
import { refusal } from '../contracts/apiResult.js';
import type { ApiError } from '../contracts/terminalApi.js';
import type { ScanEvent } from '../scan/scanEvent.js';
import type { ActiveSale } from '../sale/saleMachine.js';
import { certificateKey, tokenIdentity } from './tokenFacts.js';

/** What stages A–C of PROTOCOL.md §4 look at, read by the caller inside the decision's transaction. */
export interface OfflineDecisionState {
  /** Stage A's closed gates for this payment, in §4 order. */
  closedGates: readonly TerminalReason[];
  trust: TrustBundleDocument | null;
  /** The register clock's `now`, whole seconds. */
  now: number;
  /** Check 14: this (device, counter) was already approved here. */
  hasSeenToken(deviceId: string, counter: number): boolean;
  /** Check 15: the approved, not-yet-acknowledged total of one certificate at this register. */
  certificateTotal(certKey: string): number;
}

/**
 * Stages A, B and C (§4): the first reason to decline, or null to approve. `tokenBytes` are the
 * decoded scan's bytes (null when it did not decode).
 */
export function decideOffline(
  verifier: TokenVerifier,
  state: OfflineDecisionState,
  sale: Pick<ActiveSale, 'amount' | 'currency'>,
  text: string,
  tokenBytes: Uint8Array | null,
): DeclineReason | null {
  const trust = state.trust;
  let reason: DeclineReason | null = state.closedGates[0] ?? (trust === null ? 'trust_stale' : null);
  if (reason === null && trust !== null) {
    const verified = verifier.verify({ text, bundle: trust, now: state.now, amount: sale.amount, currency: sale.currency });
    if (!verified.ok) reason = verified.reason;
    else if (state.hasSeenToken(verified.fields.deviceId, verified.fields.counter)) reason = 'replayed';
    else if (state.certificateTotal(certificateKey(tokenBytes!)) + sale.amount > verified.fields.cumulativeLimit) {
      reason = 'over_offline_total';
    }
  }
  return reason;
}

export interface PaymentDecision {
  decision: 'approved' | 'declined';
  reason: string | null;
  authorization: string | null;
  mode: 'online' | 'offline';
}

/** The backend's online answer (§4 "online first") as the payment's decision. */
export function onlineDecision(answer: { authorization: string; decision: 'approved' | 'declined'; reason: string | null }): PaymentDecision {
  const approved = answer.decision === 'approved';
  return { decision: answer.decision, reason: approved ? null : (answer.reason ?? 'declined_online'), authorization: answer.authorization, mode: 'online' };
}

export function offlineDecision(reason: DeclineReason | null): PaymentDecision {
  return { decision: reason === null ? 'approved' : 'declined', reason, authorization: null, mode: 'offline' };
}

/** The local facts journaled beside a record (not signed, never sent). */
export interface EntryExtras {
  saleId: string | null;
  deviceId: string | null;
  counter: number | null;
  certKey: string | null;
  mode: 'online' | 'offline' | null;
  scanSource: string | null;
  scannerId: string | null;
}

export type EntryFields = Pick<JournalRecord, 'kind' | 'amount' | 'currency' | 'token' | 'decision' | 'reason' | 'ref' | 'authorization'>;

/** The journal entry of a decided payment: its signed fields and its local facts. */
export function paymentEntry(
  sale: ActiveSale,
  scan: Pick<ScanEvent, 'source' | 'deviceId'>,
  token: string | null,
  tokenBytes: Uint8Array | null,
  decision: PaymentDecision,
): { fields: EntryFields; extras: EntryExtras } {
  const identity = tokenBytes === null ? null : tokenIdentity(tokenBytes);
  return {
    fields: { kind: 'payment', amount: sale.amount, currency: sale.currency, token, decision: decision.decision, reason: decision.reason, ref: null, authorization: decision.authorization },
    extras: {
      saleId: sale.saleId,
      deviceId: identity?.deviceId ?? null,
      counter: identity?.counter ?? null,
      certKey: tokenBytes === null ? null : certificateKey(tokenBytes),
      mode: decision.mode,
      scanSource: scan.source,
      scannerId: scan.deviceId,
    },
  };
}

/** The payment a refund or void refers to, as far as the checks need it. */
export interface AdjustablePayment {
  kind: JournalRecord['kind'];
  decision: JournalRecord['decision'];
  amount: number;
  currency: number;
  deviceId: string | null;
}

/**
 * Whether a refund (of `amount`) or a void may be recorded against `payment`, and for how much:
 * the checks in the order the cashier hears them.
 */
export function checkAdjustment(
  payment: AdjustablePayment | undefined,
  facts: { isVoided: () => boolean; refunds: () => { total: number; count: number } },
  kind: 'refund' | 'void',
  amount: number | null,
): { ok: true; amount: number; payment: AdjustablePayment } | { ok: false; error: ApiError } {
  if (payment === undefined || payment.kind !== 'payment') return refusal('not_found', 'No payment with that id at this register.');
  if (payment.decision !== 'approved') return refusal('not_refundable', 'That payment was declined; there is nothing to refund.');
  if (facts.isVoided()) return refusal('already_voided', 'That payment was already voided.');
  const refunds = facts.refunds();
  if (kind === 'void' && refunds.count > 0) return refusal('not_refundable', 'That payment was partly refunded; refund the rest instead of voiding it.');
  const value = amount ?? payment.amount;
  if (kind === 'refund' && refunds.total + value > payment.amount) {
    return refusal('refund_too_large', `At most ${payment.amount - refunds.total} can still be refunded on that payment.`);
  }
  return { ok: true, amount: value, payment };
}

/** The journal entry of an accepted refund or void. */
export function adjustmentEntry(kind: 'refund' | 'void', paymentId: string, checked: { amount: number; payment: AdjustablePayment }): { fields: EntryFields; extras: EntryExtras } {
  return {
    fields: { kind, amount: checked.amount, currency: checked.payment.currency, token: null, decision: 'approved', reason: null, ref: paymentId, authorization: null },
    extras: { saleId: null, deviceId: checked.payment.deviceId, counter: null, certKey: null, mode: null, scanSource: null, scannerId: null },
  };
}
