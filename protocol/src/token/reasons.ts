/**
 * Reason codes of PROTOCOL.md §4, in their normative order. The numbers are the table rows;
 * user-facing text is looked up from the code elsewhere (the terminal's reason texts).
 */

/** Stage B: the token itself, checks 1–13, reported in this order. */
export const TOKEN_REASONS = [
  'malformed',
  'unsupported_version',
  'unknown_issuer',
  'bad_cert_signature',
  'device_revoked',
  'cert_not_yet_valid',
  'cert_expired',
  'bad_token_signature',
  'ttl_too_long',
  'token_from_future',
  'token_expired',
  'currency_mismatch',
  'over_payment_limit',
] as const;
export type TokenReason = (typeof TOKEN_REASONS)[number];

/** Stage C: this register's memory, checks 14–15. */
export const MEMORY_REASONS = ['replayed', 'over_offline_total'] as const;
export type MemoryReason = (typeof MEMORY_REASONS)[number];

/** Stage A: the register's own state, checks 16–19. */
export const TERMINAL_REASONS = [
  'terminal_store_full',
  'terminal_offline_too_long',
  'trust_stale',
  'clock_untrusted',
] as const;
export type TerminalReason = (typeof TERMINAL_REASONS)[number];

export type DeclineReason = TokenReason | MemoryReason | TerminalReason;

/**
 * Declines only the backend gives, in the `reason` of `POST /v1/terminal/authorize`
 * (PROTOCOL.md §8), besides the stage B reasons and `replayed`: no row number in §4.
 * `device_pending`: the phone was bound without the established one and waits for its hold;
 * `account_frozen`: the customer said "This wasn't me" and a reset with both codes is due.
 */
export const ONLINE_REASONS = ['replayed', 'insufficient_funds', 'unknown_device', 'device_pending', 'account_frozen'] as const;
export type OnlineReason = (typeof ONLINE_REASONS)[number];

export function isOnlineReason(value: string): value is OnlineReason {
  return (ONLINE_REASONS as readonly string[]).includes(value);
}

/** Every decline reason with its row number in PROTOCOL.md §4. */
export const REASON_NUMBERS: Readonly<Record<DeclineReason, number>> = Object.freeze(
  Object.fromEntries(
    [...TOKEN_REASONS, ...MEMORY_REASONS, ...TERMINAL_REASONS].map((reason, index) => [reason, index + 1]),
  ) as Record<DeclineReason, number>,
);

export function isDeclineReason(value: string): value is DeclineReason {
  return Object.prototype.hasOwnProperty.call(REASON_NUMBERS, value);
}
