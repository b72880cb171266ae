import type { DeclineReason, OnlineReason } from '@tegata/protocol';

/** What the cashier reads for a decline: what happened, and what to do next. */
export interface ReasonText {
  title: string;
  action: string;
}

/**
 * Plain words for every reason code of PROTOCOL.md §4. Codes stay stable; these texts may
 * change (and be translated) without touching the protocol.
 */
export const REASON_TEXT: Readonly<Record<DeclineReason, ReasonText>> = {
  malformed: {
    title: 'This is not a payment code',
    action: 'Ask the customer to open the payment screen of their wallet app.',
  },
  unsupported_version: {
    title: 'This payment code is newer than this register',
    action: 'Ask for another payment method and tell the store manager the register needs an update.',
  },
  unknown_issuer: {
    title: 'This payment code is from an unknown issuer',
    action: 'Ask for another payment method. If this repeats, sync the register.',
  },
  bad_cert_signature: {
    title: 'This payment code is not genuine',
    action: 'Ask for another payment method.',
  },
  device_revoked: {
    title: 'This phone has been blocked',
    action: 'Ask for another payment method.',
  },
  cert_not_yet_valid: {
    title: 'The wallet on this phone is not active yet',
    action: 'Ask the customer to check the date and time on their phone, or use another payment method.',
  },
  cert_expired: {
    title: 'The wallet on this phone needs to go online',
    action: 'Ask the customer to connect their phone to the internet and refresh the code.',
  },
  bad_token_signature: {
    title: 'This payment code is not genuine',
    action: 'Ask the customer to refresh the code. If it fails again, ask for another payment method.',
  },
  ttl_too_long: {
    title: 'This payment code is not accepted here',
    action: 'Ask the customer to refresh the code.',
  },
  token_from_future: {
    title: "The phone's clock is wrong",
    action: 'Ask the customer to set their phone to the automatic date and time, then refresh the code.',
  },
  token_expired: {
    title: 'This payment code has expired',
    action: 'Ask the customer to refresh the code.',
  },
  currency_mismatch: {
    title: 'This wallet pays in another currency',
    action: 'Ask for another payment method.',
  },
  over_payment_limit: {
    title: 'The amount is over this wallet’s limit for one payment',
    action: 'Ask for another payment method, or split the sale.',
  },
  replayed: {
    title: 'This payment code was already used',
    action: 'Ask the customer to refresh the code.',
  },
  over_offline_total: {
    title: 'This wallet has reached its offline limit at this register',
    action: 'Ask for another payment method until the register is back online.',
  },
  terminal_store_full: {
    title: 'Too many payments are waiting to sync',
    action: 'Connect the register to the network. Until then, take another payment method.',
  },
  terminal_offline_too_long: {
    title: 'The register has been offline too long',
    action: 'Connect the register to the network. Until then, take another payment method.',
  },
  trust_stale: {
    title: 'The register’s security data is out of date',
    action: 'Connect the register to the network to refresh it. Until then, take another payment method.',
  },
  clock_untrusted: {
    title: 'The register’s clock has not been checked',
    action: 'Connect the register to the network so it can set its clock. Until then, take another payment method.',
  },
};

export function reasonText(reason: DeclineReason): ReasonText {
  return REASON_TEXT[reason];
}

/** Plain words for the declines only the backend gives online (PROTOCOL.md §8 authorize). */
export const ONLINE_REASON_TEXT: Readonly<Record<Exclude<OnlineReason, DeclineReason>, ReasonText>> = {
  insufficient_funds: {
    title: 'The wallet does not hold enough money',
    action: 'Ask the customer to top up, or take another payment method.',
  },
  unknown_device: {
    title: 'This phone is not known to the payment service',
    action: 'Ask for another payment method.',
  },
  device_pending: {
    title: 'This phone was added to the wallet recently and cannot pay yet',
    action: 'Ask the customer to pay with their previous phone or another payment method; the new phone can pay when its waiting time ends.',
  },
  account_frozen: {
    title: 'This wallet is frozen for the customer’s protection',
    action: 'Ask for another payment method; the customer can unfreeze it by resetting the password in the app.',
  },
};

/** The text of any decline a register can receive, offline or online; undefined for a code it does not know. */
export function declineText(reason: string): ReasonText | undefined {
  if (Object.prototype.hasOwnProperty.call(REASON_TEXT, reason)) return REASON_TEXT[reason as DeclineReason];
  if (Object.prototype.hasOwnProperty.call(ONLINE_REASON_TEXT, reason)) return ONLINE_REASON_TEXT[reason as keyof typeof ONLINE_REASON_TEXT];
  return undefined;
}
