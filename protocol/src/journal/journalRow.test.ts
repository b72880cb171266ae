import { describe, expect, it } from 'vitest';
import { journalRecordFromRow, journalRecordToRow, JournalRowError } from './journalRow.js';
import type { JournalRecord } from './journalRecord.js';

const record: JournalRecord = {
  id: '0190a0a0-0000-7000-8000-000000000001',
  terminalId: 'ter_1',
  seq: 7,
  kind: 'refund',
  createdAt: 1_764_115_200_123,
  amount: 1200,
  currency: 392,
  token: null,
  decision: 'approved',
  reason: null,
  ref: '0190a0a0-0000-7000-8000-000000000000',
  trustSerial: 42,
  authorization: null,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  signature: 'sig',
};

describe('journal record rows', () => {
  it('round-trips every field of a record through its columns', () => {
    const row = journalRecordToRow(record);
    expect(row).toMatchObject({ terminal_id: 'ter_1', created_at: record.createdAt, trust_serial: 42, prev_hash: record.prevHash });
    expect(Object.keys(row)).toHaveLength(Object.keys(record).length);
    expect(journalRecordFromRow(row)).toEqual(record);
  });

  it('refuses a stored kind or decision PROTOCOL.md §7 does not have', () => {
    const row = journalRecordToRow(record);
    expect(() => journalRecordFromRow({ ...row, kind: 'gift' })).toThrow(JournalRowError);
    expect(() => journalRecordFromRow({ ...row, decision: 'maybe' })).toThrow(/unknown decision "maybe"/);
  });
});
