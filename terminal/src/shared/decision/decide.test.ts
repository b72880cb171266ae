import { describe, expect, it } from 'vitest';
import type { TokenVerification, TokenVerifier, TrustBundleDocument } from '@tegata/protocol';
import { checkAdjustment, decideOffline, onlineDecision, type OfflineDecisionState } from './decide.js';

const TRUST: TrustBundleDocument = {
  serial: 1,
  issuedAt: 0,
  expiresAt: 10_000,
  issuers: [],
  revokedDevices: [],
  policy: { currency: 392, clockSkewSeconds: 300, maxTokenTtlSeconds: 120, maxOfflineSeconds: 86_400, maxStoredPayments: 100, maxStoredAmount: 500_000, maxClockAgeSeconds: 3_600 },
};
const FIELDS = {
  deviceId: 'aabbccddeeff0011', counter: 7, issuedAt: 100, ttl: 60, currency: 392, perPaymentLimit: 10_000, cumulativeLimit: 1_000,
  issuerKid: 'kid', notBefore: 0, notAfter: 10_000, token: 'TG1…',
};
const TOKEN_BYTES = new Uint8Array(200);

function verifier(result: TokenVerification): TokenVerifier {
  return { verify: () => result };
}

function state(overrides: Partial<OfflineDecisionState> = {}): OfflineDecisionState {
  return { closedGates: [], trust: TRUST, now: 150, hasSeenToken: () => false, certificateTotal: () => 0, ...overrides };
}

const sale = { amount: 500, currency: 392 };
const verified = verifier({ ok: true, fields: FIELDS });

describe('stages A-C', () => {
  it('approves a verified, unseen token within the certificate total', () => {
    expect(decideOffline(verified, state(), sale, 'text', TOKEN_BYTES)).toBeNull();
  });

  it('declines in the order of §4: a closed gate, no trust, stage B, replay, the offline total', () => {
    expect(decideOffline(verified, state({ closedGates: ['terminal_store_full', 'clock_untrusted'] }), sale, 'text', TOKEN_BYTES)).toBe('terminal_store_full');
    expect(decideOffline(verified, state({ trust: null }), sale, 'text', TOKEN_BYTES)).toBe('trust_stale');
    expect(decideOffline(verifier({ ok: false, reason: 'token_expired' }), state(), sale, 'text', null)).toBe('token_expired');
    expect(decideOffline(verified, state({ hasSeenToken: (device, counter) => device === FIELDS.deviceId && counter === 7 }), sale, 'text', TOKEN_BYTES)).toBe('replayed');
    expect(decideOffline(verified, state({ certificateTotal: () => 600 }), sale, 'text', TOKEN_BYTES)).toBe('over_offline_total');
    expect(decideOffline(verified, state({ certificateTotal: () => 500 }), sale, 'text', TOKEN_BYTES)).toBeNull();
  });

  it('takes the online answer, a decline without a reason being declined_online', () => {
    expect(onlineDecision({ authorization: 'a', decision: 'approved', reason: 'ignored' })).toEqual({ decision: 'approved', reason: null, authorization: 'a', mode: 'online' });
    expect(onlineDecision({ authorization: 'a', decision: 'declined', reason: null }).reason).toBe('declined_online');
  });
});

describe('refund and void checks', () => {
  const payment = { kind: 'payment' as const, decision: 'approved' as const, amount: 1_000, currency: 392, deviceId: 'dev' };
  const none = { isVoided: () => false, refunds: () => ({ total: 0, count: 0 }) };
  const code = (result: ReturnType<typeof checkAdjustment>): string => (result.ok ? 'ok' : result.error.code);

  it('refuses what cannot be adjusted', () => {
    expect(code(checkAdjustment(undefined, none, 'refund', 10))).toBe('not_found');
    expect(code(checkAdjustment({ ...payment, kind: 'refund' }, none, 'refund', 10))).toBe('not_found');
    expect(code(checkAdjustment({ ...payment, decision: 'declined' }, none, 'refund', 10))).toBe('not_refundable');
    expect(code(checkAdjustment(payment, { ...none, isVoided: () => true }, 'refund', 10))).toBe('already_voided');
    expect(code(checkAdjustment(payment, { ...none, refunds: () => ({ total: 10, count: 1 }) }, 'void', null))).toBe('not_refundable');
    expect(code(checkAdjustment(payment, { ...none, refunds: () => ({ total: 900, count: 1 }) }, 'refund', 101))).toBe('refund_too_large');
  });

  it('refunds the amount asked, voids the whole payment', () => {
    expect(checkAdjustment(payment, none, 'refund', 300)).toMatchObject({ ok: true, amount: 300 });
    expect(checkAdjustment(payment, none, 'void', null)).toMatchObject({ ok: true, amount: 1_000 });
  });
});
