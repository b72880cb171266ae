/**
 * The card payment provider behind top-ups, pluggable: production wires a real acquirer's
 * adapter (tokenised cards, EMV 3-D Secure); development and tests use testCardGateway.ts.
 * The backend never sees a card number, only the provider's token.
 */

export type ChargeResult =
  | { status: 'approved'; reference: string }
  /** The issuer wants the cardholder to authenticate (3-D Secure): show `challenge`, then completeChallenge. */
  | { status: 'challenge'; reference: string; challenge: ThreeDsChallenge }
  | { status: 'declined'; reference: string | null; reason: string };

export interface ThreeDsChallenge {
  /** Where a browser would be sent (the issuer's ACS); absent for the simulated challenge. */
  url?: string;
  /** What the customer is asked, shown by the app. */
  prompt: string;
}

export type ChallengeResult = Exclude<ChargeResult, { status: 'challenge' }>;

export interface CardGateway {
  readonly name: string;
  /** Idempotent by `topupId`. */
  charge(request: { topupId: string; amount: number; currency: number; cardToken: string }): Promise<ChargeResult>;
  completeChallenge(request: { reference: string; response: string }): Promise<ChallengeResult>;
}
