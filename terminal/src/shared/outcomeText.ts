import { SETTLEMENT_OUTCOMES, type SettlementOutcome } from '@tegata/protocol';

/** Settlement outcomes of PROTOCOL.md §8, in plain words for the history screen. */
export const OUTCOME_CODES = SETTLEMENT_OUTCOMES;
export type OutcomeCode = SettlementOutcome;

export const OUTCOME_TEXT: Readonly<Record<OutcomeCode, string>> = {
  settled: 'Paid: the money reached the store.',
  duplicate_token: 'Not paid: this payment code had already been used at another store (a copied code). The customer was not charged twice.',
  cloned_device: 'Not paid: two different payments used the same code number — the phone was copied and has been blocked.',
  insufficient_funds: "Not paid: the customer's wallet did not hold enough money; the phone has been blocked until it is settled.",
  device_was_revoked: 'Not paid: this phone was already blocked when the sale was made; the store carries this one.',
  invalid_token: 'Not paid: the payment code did not check out at the bank.',
  refund_settled: 'Refunded to the customer.',
  refund_refused: 'Refund refused: more than what was paid for this sale, or a different store.',
  void_settled: 'Voided: the payment was reversed.',
};

/** Words for an outcome code; a code this build does not know yet is shown as it is. */
export function outcomeText(code: string): string {
  return Object.hasOwn(OUTCOME_TEXT, code) ? OUTCOME_TEXT[code as OutcomeCode] : `Outcome: ${code}`;
}
