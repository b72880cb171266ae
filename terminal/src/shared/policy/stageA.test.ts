import { describe, expect, it } from 'vitest';
import { REASON_NUMBERS, TERMINAL_REASONS, type TrustPolicy } from '@tegata/protocol';
import { closedGates, type RegisterState } from './stageA.js';

const NOW = 1_764_115_200;
const POLICY: TrustPolicy = {
  currency: 392,
  clockSkewSeconds: 300,
  maxTokenTtlSeconds: 120,
  maxOfflineSeconds: 86_400,
  maxStoredPayments: 100,
  maxStoredAmount: 500_000,
  maxClockAgeSeconds: 3_600,
};

/** A register with every gate open; each test changes what it is about. */
function state(overrides: Partial<RegisterState> = {}): RegisterState {
  return {
    unsyncedApprovedCount: 0,
    unsyncedApprovedAmount: 0,
    lastAcknowledgedSyncAt: NOW - 60,
    trust: { expiresAt: NOW + 3_600, policy: POLICY },
    clockTrusted: true,
    restoredFromBackup: false,
    now: NOW,
    ...overrides,
  };
}

function withPolicy(patch: Partial<TrustPolicy>, expiresAt = NOW + 3_600): RegisterState['trust'] {
  return { expiresAt, policy: { ...POLICY, ...patch } };
}

describe('closedGates (PROTOCOL.md §4 stage A)', () => {
  it('closes nothing for a healthy register', () => {
    expect(closedGates(state())).toEqual([]);
    expect(closedGates(state(), 1_200)).toEqual([]);
  });

  it('closes each gate alone', () => {
    expect(closedGates(state({ unsyncedApprovedCount: 100 }))).toEqual(['terminal_store_full']);
    expect(closedGates(state({ lastAcknowledgedSyncAt: NOW - 86_401 }))).toEqual(['terminal_offline_too_long']);
    expect(closedGates(state({ trust: { expiresAt: NOW - 301, policy: POLICY } }))).toEqual(['trust_stale']);
    expect(closedGates(state({ clockTrusted: false }))).toEqual(['clock_untrusted']);
  });

  it('reports all four together in the order of §4 (16, 17, 18, 19)', () => {
    const closed = closedGates(
      state({
        unsyncedApprovedCount: 100,
        lastAcknowledgedSyncAt: NOW - 86_401,
        trust: { expiresAt: NOW - 301, policy: POLICY },
        clockTrusted: false,
      }),
    );
    expect(closed).toEqual([...TERMINAL_REASONS]);
    expect(closed.map((reason) => REASON_NUMBERS[reason])).toEqual([16, 17, 18, 19]);
  });

  describe('terminal_store_full (16)', () => {
    it('closes when one more payment would exceed maxStoredPayments', () => {
      expect(closedGates(state({ unsyncedApprovedCount: 99 }))).toEqual([]);
      expect(closedGates(state({ unsyncedApprovedCount: 100 }))).toEqual(['terminal_store_full']);
      expect(closedGates(state({ unsyncedApprovedCount: 0, trust: withPolicy({ maxStoredPayments: 0 }) }))).toEqual(['terminal_store_full']);
    });

    it('closes when the stored amount plus the sale exceeds maxStoredAmount; equality passes', () => {
      expect(closedGates(state({ unsyncedApprovedAmount: 498_800 }), 1_200)).toEqual([]);
      expect(closedGates(state({ unsyncedApprovedAmount: 498_801 }), 1_200)).toEqual(['terminal_store_full']);
      expect(closedGates(state({ unsyncedApprovedAmount: 0 }), 500_000)).toEqual([]);
      expect(closedGates(state({ unsyncedApprovedAmount: 0 }), 500_001)).toEqual(['terminal_store_full']);
    });

    it('without an amount, closes only once the stored amount itself is over the limit', () => {
      expect(closedGates(state({ unsyncedApprovedAmount: 500_000 }))).toEqual([]);
      expect(closedGates(state({ unsyncedApprovedAmount: 500_001 }))).toEqual(['terminal_store_full']);
    });
  });

  describe('terminal_offline_too_long (17)', () => {
    it('passes at exactly maxOfflineSeconds since the last acknowledged sync and closes one second later', () => {
      expect(closedGates(state({ lastAcknowledgedSyncAt: NOW - 86_400 }))).toEqual([]);
      expect(closedGates(state({ lastAcknowledgedSyncAt: NOW - 86_401 }))).toEqual(['terminal_offline_too_long']);
    });

    it('uses the bundle policy’s maxOfflineSeconds', () => {
      const trust = withPolicy({ maxOfflineSeconds: 10 });
      expect(closedGates(state({ lastAcknowledgedSyncAt: NOW - 10, trust }))).toEqual([]);
      expect(closedGates(state({ lastAcknowledgedSyncAt: NOW - 11, trust }))).toEqual(['terminal_offline_too_long']);
    });

    it('closes when no sync was ever acknowledged', () => {
      expect(closedGates(state({ lastAcknowledgedSyncAt: null }))).toEqual(['terminal_offline_too_long']);
    });

    it('closes for a database restored from a backup (§7), even just after a sync', () => {
      expect(closedGates(state({ restoredFromBackup: true, lastAcknowledgedSyncAt: NOW }))).toEqual(['terminal_offline_too_long']);
    });
  });

  describe('trust_stale (18)', () => {
    it('closes when the register holds no trust bundle', () => {
      expect(closedGates(state({ trust: null }))).toEqual(['trust_stale']);
      expect(closedGates(state({ trust: null, clockTrusted: false }))).toEqual(['trust_stale', 'clock_untrusted']);
    });

    it('passes at expiresAt + the bundle’s skew and closes one second later', () => {
      expect(closedGates(state({ trust: { expiresAt: NOW - 300, policy: POLICY } }))).toEqual([]);
      expect(closedGates(state({ trust: { expiresAt: NOW - 301, policy: POLICY } }))).toEqual(['trust_stale']);
    });

    it('takes the skew from the bundle’s own policy', () => {
      const trust = withPolicy({ clockSkewSeconds: 30 }, NOW - 31);
      expect(closedGates(state({ trust }))).toEqual(['trust_stale']);
      expect(closedGates(state({ trust: withPolicy({ clockSkewSeconds: 30 }, NOW - 30) }))).toEqual([]);
    });
  });

  describe('clock_untrusted (19)', () => {
    it('closes exactly when the clock is untrusted', () => {
      expect(closedGates(state({ clockTrusted: true }))).not.toContain('clock_untrusted');
      expect(closedGates(state({ clockTrusted: false }))).toEqual(['clock_untrusted']);
    });
  });
});
