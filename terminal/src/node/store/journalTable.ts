import { GENESIS_HASH, journalRecordFromRow, type JournalRecord, type JournalRecordRow } from '@tegata/protocol';
import type { EntryExtras } from '../../shared/decision/decide.js';
import type { Sqlite } from './openDatabase.js';

/** Local facts stored beside a record (not signed, never sent): what the decision journals. */
export type RecordExtras = EntryExtras;

export interface StoredRecord extends JournalRecord, RecordExtras {
  outcome: string | null;
  acked: boolean;
}

export interface ChainHead {
  seq: number;
  hash: string;
  createdAt: number;
}

/**
 * A `journal` row as SQLite returns it: the record's columns (protocol's codec, without
 * terminal_id: every row is this register's) and the local facts beside them.
 */
export interface JournalRow extends Omit<JournalRecordRow, 'terminal_id'> {
  sale_id: string | null;
  device_id: string | null;
  counter: number | null;
  cert_key: string | null;
  mode: 'online' | 'offline' | null;
  scan_source: string | null;
  scanner_id: string | null;
  outcome: string | null;
}

/** The `journal` table: the sealed records and their local facts, never changed but for outcomes. */
export class JournalTable {
  readonly #insert;
  readonly #head;
  readonly #byId;
  readonly #page;
  readonly #unsynced;
  readonly #certTotal;
  readonly #refundedFor;
  readonly #voidFor;
  readonly #outcome;
  readonly #hashAt;

  constructor(
    readonly db: Sqlite,
    readonly terminalId: string,
  ) {
    this.#insert = db.prepare(`
      INSERT INTO journal (seq, id, kind, created_at, amount, currency, token, decision, reason, ref, trust_serial,
        authorization, prev_hash, hash, signature, sale_id, device_id, counter, cert_key, mode, scan_source, scanner_id)
      VALUES (@seq, @id, @kind, @createdAt, @amount, @currency, @token, @decision, @reason, @ref, @trustSerial,
        @authorization, @prevHash, @hash, @signature, @saleId, @deviceId, @counter, @certKey, @mode, @scanSource, @scannerId)`);
    this.#head = db.prepare<[], { seq: number; hash: string; created_at: number }>(
      'SELECT seq, hash, created_at FROM journal ORDER BY seq DESC LIMIT 1',
    );
    this.#byId = db.prepare<[string], JournalRow>('SELECT * FROM journal WHERE id = ?');
    this.#page = db.prepare<[number, number], JournalRow>('SELECT * FROM journal WHERE seq < ? ORDER BY seq DESC LIMIT ?');
    this.#unsynced = db.prepare<[number], { count: number; amount: number | null }>(
      "SELECT count(*) AS count, sum(amount) AS amount FROM journal WHERE seq > ? AND kind = 'payment' AND decision = 'approved'",
    );
    this.#certTotal = db.prepare<[string, number], { total: number | null }>(
      "SELECT sum(amount) AS total FROM journal WHERE cert_key = ? AND seq > ? AND decision = 'approved' AND kind = 'payment'",
    );
    this.#refundedFor = db.prepare<[string], { total: number | null; count: number }>(
      "SELECT sum(amount) AS total, count(*) AS count FROM journal WHERE ref = ? AND kind = 'refund'",
    );
    this.#voidFor = db.prepare<[string], { seq: number }>("SELECT seq FROM journal WHERE ref = ? AND kind = 'void'");
    this.#outcome = db.prepare<[string, number, string]>('UPDATE journal SET outcome = ?, outcome_at = ? WHERE id = ?');
    this.#hashAt = db.prepare<[number], { hash: string }>('SELECT hash FROM journal WHERE seq = ?');
  }

  insert(record: JournalRecord, extras: RecordExtras): void {
    this.#insert.run({ ...record, ...extras });
  }

  head(): ChainHead {
    const row = this.#head.get();
    return row === undefined ? { seq: 0, hash: GENESIS_HASH, createdAt: 0 } : { seq: row.seq, hash: row.hash, createdAt: row.created_at };
  }

  /** The hash of our record at `seq` (the genesis hash at 0), or null when we have none there. */
  hashAt(seq: number): string | null {
    return seq === 0 ? GENESIS_HASH : (this.#hashAt.get(seq)?.hash ?? null);
  }

  applyOutcome(id: string, outcome: string, at: number): void {
    this.#outcome.run(outcome, at, id);
  }

  byId(id: string, ackedSeq: number): StoredRecord | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : this.toStored(row, ackedSeq);
  }

  page(beforeSeq: number, limit: number, ackedSeq: number): StoredRecord[] {
    return this.#page.all(beforeSeq, limit).map((row) => this.toStored(row, ackedSeq));
  }

  unsyncedApproved(ackedSeq: number): { count: number; amount: number } {
    const row = this.#unsynced.get(ackedSeq);
    return { count: row?.count ?? 0, amount: row?.amount ?? 0 };
  }

  /** Approved, not-yet-acknowledged total of one certificate at this terminal (check 15). */
  certificateTotal(certKey: string, ackedSeq: number): number {
    return this.#certTotal.get(certKey, ackedSeq)?.total ?? 0;
  }

  refundsOf(paymentId: string): { total: number; count: number } {
    const row = this.#refundedFor.get(paymentId);
    return { total: row?.total ?? 0, count: row?.count ?? 0 };
  }

  isVoided(paymentId: string): boolean {
    return this.#voidFor.get(paymentId) !== undefined;
  }

  /** Every record after `seq`, oldest first, with its local facts. */
  after(seq: number): StoredRecord[] {
    return this.db
      .prepare<[number], JournalRow>('SELECT * FROM journal WHERE seq > ? ORDER BY seq')
      .all(seq)
      .map((row) => this.toStored(row, 0));
  }

  deleteAfter(seq: number): void {
    this.db.prepare<[number]>('DELETE FROM journal WHERE seq > ?').run(seq);
  }

  /** The signed record of a row, as it was sent (or will be). */
  toRecord(row: JournalRow): JournalRecord {
    return journalRecordFromRow({ ...row, terminal_id: this.terminalId });
  }

  toStored(row: JournalRow, ackedSeq: number): StoredRecord {
    return {
      ...this.toRecord(row),
      saleId: row.sale_id,
      deviceId: row.device_id,
      counter: row.counter,
      certKey: row.cert_key,
      mode: row.mode,
      scanSource: row.scan_source,
      scannerId: row.scanner_id,
      outcome: row.outcome,
      acked: row.seq <= ackedSeq,
    };
  }

}
