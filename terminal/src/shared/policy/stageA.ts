import type { TerminalReason, TrustPolicy } from '@tegata/protocol';

/** What stage A of PROTOCOL.md §4 looks at: the register's own state. */
export interface RegisterState {
  /** Approved payments the backend has not acknowledged yet. */
  unsyncedApprovedCount: number;
  unsyncedApprovedAmount: number;
  /** Unix seconds of the last sync the backend acknowledged (enrollment counts as one), or null. */
  lastAcknowledgedSyncAt: number | null;
  /** The current trust bundle, or null when the register holds none. */
  trust: { expiresAt: number; policy: TrustPolicy } | null;
  clockTrusted: boolean;
  /** The database is behind the head the backend acknowledged (§7): restored from a backup. */
  restoredFromBackup: boolean;
  /** The register clock's `now`, whole seconds. */
  now: number;
}

/**
 * The stage A gates that are closed, in the order of §4 (16–19). With `amount` it answers for
 * one more payment of that amount; without, whether one more payment of any size fits.
 *
 * A database restored from a backup (§7) closes `terminal_offline_too_long`: its replay memory
 * is older than what the backend has seen, and like a long offline spell, only going online
 * (continuing from the backend's head) fixes it.
 */
export function closedGates(state: RegisterState, amount = 0): TerminalReason[] {
  const closed: TerminalReason[] = [];
  const policy = state.trust?.policy;
  if (
    policy !== undefined &&
    (state.unsyncedApprovedCount + 1 > policy.maxStoredPayments ||
      state.unsyncedApprovedAmount + amount > policy.maxStoredAmount)
  ) {
    closed.push('terminal_store_full');
  }
  if (
    state.restoredFromBackup ||
    state.lastAcknowledgedSyncAt === null ||
    (policy !== undefined && state.now - state.lastAcknowledgedSyncAt > policy.maxOfflineSeconds)
  ) {
    closed.push('terminal_offline_too_long');
  }
  if (state.trust === null || state.now > state.trust.expiresAt + state.trust.policy.clockSkewSeconds) {
    closed.push('trust_stale');
  }
  if (!state.clockTrusted) closed.push('clock_untrusted');
  return closed;
}
