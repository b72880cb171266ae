import type { TrustBundleDocument } from './trustBundle.js';

export type TrustAcceptance =
  | { ok: true }
  | { ok: false; code: 'same_serial' | 'rollback' | 'expired' };

/**
 * Whether a terminal holding `currentSerial` (null: none yet) takes a *valid* bundle
 * (PROTOCOL.md §5): only a higher serial, and only while now ≤ expiresAt + its own skew.
 */
export function checkTrustAcceptance(
  currentSerial: number | null,
  candidate: TrustBundleDocument,
  nowSeconds: number,
): TrustAcceptance {
  if (currentSerial !== null && candidate.serial === currentSerial) return { ok: false, code: 'same_serial' };
  if (currentSerial !== null && candidate.serial < currentSerial) return { ok: false, code: 'rollback' };
  if (nowSeconds > candidate.expiresAt + candidate.policy.clockSkewSeconds) return { ok: false, code: 'expired' };
  return { ok: true };
}
