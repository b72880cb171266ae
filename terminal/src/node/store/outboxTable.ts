import type { JournalRecord } from '@tegata/protocol';
import type { JournalRow, JournalTable } from './journalTable.js';
import type { Sqlite } from './openDatabase.js';

/** The `outbox` table: the seqs the backend has not acknowledged, and what it said about them. */
export class OutboxTable {
  readonly #insert;
  readonly #batch;
  readonly #ack;
  readonly #reject;
  readonly #fail;
  readonly #rejected;
  readonly #pendingByCurrency;

  constructor(
    readonly db: Sqlite,
    readonly journal: JournalTable,
  ) {
    this.#insert = db.prepare<[number]>('INSERT INTO outbox (seq) VALUES (?)');
    this.#pendingByCurrency = db.prepare<[], { currency: number; count: number; amount: number }>(
      `SELECT j.currency AS currency, count(*) AS count,
         sum(CASE WHEN j.kind = 'payment' AND j.decision = 'approved' THEN j.amount ELSE 0 END) AS amount
       FROM outbox o JOIN journal j ON j.seq = o.seq GROUP BY j.currency`,
    );
    this.#batch = db.prepare<[number], JournalRow>('SELECT j.* FROM outbox o JOIN journal j ON j.seq = o.seq ORDER BY o.seq LIMIT ?');
    this.#ack = db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?');
    this.#reject = db.prepare<[string, number]>('UPDATE outbox SET rejected_code = ?, attempts = attempts + 1 WHERE seq = ?');
    this.#fail = db.prepare<[string, number]>('UPDATE outbox SET last_error = ?, attempts = attempts + 1 WHERE seq = ?');
    this.#rejected = db.prepare<[], { seq: number; rejected_code: string; id: string }>(
      'SELECT o.seq, o.rejected_code, j.id FROM outbox o JOIN journal j ON j.seq = o.seq WHERE o.rejected_code IS NOT NULL ORDER BY o.seq',
    );
  }

  add(seq: number): void {
    this.#insert.run(seq);
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
  }

  /** The oldest records the backend has not acknowledged, in seq order, as sent. */
  batch(limit: number): JournalRecord[] {
    return this.#batch.all(limit).map((row) => this.journal.toRecord(row));
  }

  acknowledgeUpTo(seq: number): void {
    this.#ack.run(seq);
  }

  markRejected(seq: number, code: string): void {
    this.#reject.run(code, seq);
  }

  markAttemptFailed(seq: number, error: string): void {
    this.#fail.run(error, seq);
  }

  rejected(): { seq: number; id: string; code: string }[] {
    return this.#rejected.all().map((row) => ({ seq: row.seq, id: row.id, code: row.rejected_code }));
  }

  pendingByCurrency(): { currency: number; count: number; amount: number }[] {
    return this.#pendingByCurrency.all();
  }

  deleteAfter(seq: number): void {
    this.db.prepare<[number]>('DELETE FROM outbox WHERE seq > ?').run(seq);
  }
}
