/** What settlement works on and reports: the records of a batch, its scope, its outcome codes. */
import { decodeTokenText, parseToken, SETTLEMENT_OUTCOMES, type JournalRecord, type SettlementOutcome, type TokenVerification } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Terminal } from '../db/schema.js';
import type { Tx } from './ledger.js';

/** The outcome codes are the protocol's (§8); terminals explain each one to the cashier. */
export const OUTCOMES = SETTLEMENT_OUTCOMES;
export type Outcome = SettlementOutcome;

/** A stored record with what was worked out before the transaction. */
export interface PreparedRecord {
  readonly record: JournalRecord;
  /** Stage B at the verification time, for approved payments with a token; else null. */
  readonly verification: TokenVerification | null;
  readonly atMs: number;
  readonly trustSerial: number;
}

export interface SettlementScope {
  readonly ctx: AppContext;
  readonly trx: Tx;
  readonly terminal: Terminal;
  /** Devices revoked by this batch: the bundle is re-signed after the commit. */
  readonly revokedDevices: Set<string>;
}

/** Where createdAt is believed: between the previous sync − skew and the arrival. */
export function verificationTime(bounds: { lowerBoundMs: number; arrivalMs: number }, createdAt: number): number {
  return Math.min(Math.max(createdAt, bounds.lowerBoundMs), bounds.arrivalMs);
}

/** The device id a token names, read without verification (for analysis and lookups). */
export function tokenDeviceId(token: string | null): string | null {
  if (token === null) return null;
  const decoded = decodeTokenText(token);
  return decoded.ok ? parseToken(decoded.bytes).certificate.deviceId : null;
}
