/** Settlement outcomes of a journal record (PROTOCOL.md §8 `GET /v1/terminal/outcomes`). */
export const SETTLEMENT_OUTCOMES = [
  'settled',
  'duplicate_token',
  'cloned_device',
  'insufficient_funds',
  'device_was_revoked',
  'invalid_token',
  'refund_settled',
  'refund_refused',
  'void_settled',
] as const;
export type SettlementOutcome = (typeof SETTLEMENT_OUTCOMES)[number];
