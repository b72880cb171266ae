/**
 * One journal record as table columns: the same snake_case columns in the register's SQLite and
 * in the backend's database (each adds columns of its own beside them). The one mapping both
 * sides use, so a field added to the record (PROTOCOL.md §7) is stored and read back the same
 * everywhere.
 */
import type { JournalDecision, JournalKind, JournalRecord } from './journalRecord.js';

export interface JournalRecordRow {
  id: string;
  terminal_id: string;
  seq: number;
  kind: string;
  created_at: number;
  amount: number;
  currency: number;
  token: string | null;
  decision: string;
  reason: string | null;
  ref: string | null;
  trust_serial: number;
  authorization: string | null;
  prev_hash: string;
  hash: string;
  signature: string;
}

const KINDS: readonly string[] = ['payment', 'refund', 'void'] satisfies JournalKind[];
const DECISIONS: readonly string[] = ['approved', 'declined'] satisfies JournalDecision[];
const isKind = (value: string): value is JournalKind => KINDS.includes(value);
const isDecision = (value: string): value is JournalDecision => DECISIONS.includes(value);

/** A stored kind or decision that is not one of PROTOCOL.md §7's: the database was altered. */
export class JournalRowError extends Error {
  override readonly name = 'JournalRowError';
}

export function journalRecordToRow(record: JournalRecord): JournalRecordRow {
  return {
    id: record.id,
    terminal_id: record.terminalId,
    seq: record.seq,
    kind: record.kind,
    created_at: record.createdAt,
    amount: record.amount,
    currency: record.currency,
    token: record.token,
    decision: record.decision,
    reason: record.reason,
    ref: record.ref,
    trust_serial: record.trustSerial,
    authorization: record.authorization,
    prev_hash: record.prevHash,
    hash: record.hash,
    signature: record.signature,
  };
}

export function journalRecordFromRow(row: JournalRecordRow): JournalRecord {
  const { kind, decision } = row;
  if (!isKind(kind)) throw new JournalRowError(`journal record ${row.id} has an unknown kind ${JSON.stringify(kind)}`);
  if (!isDecision(decision)) throw new JournalRowError(`journal record ${row.id} has an unknown decision ${JSON.stringify(decision)}`);
  return {
    id: row.id,
    terminalId: row.terminal_id,
    seq: row.seq,
    kind,
    createdAt: row.created_at,
    amount: row.amount,
    currency: row.currency,
    token: row.token,
    decision,
    reason: row.reason,
    ref: row.ref,
    trustSerial: row.trust_serial,
    authorization: row.authorization,
    prevHash: row.prev_hash,
    hash: row.hash,
    signature: row.signature,
  };
}
