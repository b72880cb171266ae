import type { Sqlite } from './openDatabase.js';

export interface SyncStateRow {
  ackedSeq: number;
  ackedHash: string;
  lastAckSyncAt: number | null;
  offlineSince: number | null;
  clockOffsetMs: number | null;
  clockMeasuredAt: number | null;
}

const COLUMNS: Record<keyof SyncStateRow, string> = {
  ackedSeq: 'acked_seq',
  ackedHash: 'acked_hash',
  lastAckSyncAt: 'last_ack_sync_at',
  offlineSince: 'offline_since',
  clockOffsetMs: 'clock_offset_ms',
  clockMeasuredAt: 'clock_measured_at',
};

/** The `sync_state` table: its single row (the acknowledged head, sync and clock facts). */
export class SyncStateTable {
  readonly #get;

  constructor(readonly db: Sqlite) {
    this.#get = db.prepare<[], { acked_seq: number; acked_hash: string; last_ack_sync_at: number | null; offline_since: number | null; clock_offset_ms: number | null; clock_measured_at: number | null }>(
      'SELECT * FROM sync_state WHERE id = 1',
    );
  }

  get(): SyncStateRow {
    const row = this.#get.get();
    if (row === undefined) throw new Error('sync_state row missing: the database was not migrated');
    return {
      ackedSeq: row.acked_seq,
      ackedHash: row.acked_hash,
      lastAckSyncAt: row.last_ack_sync_at,
      offlineSince: row.offline_since,
      clockOffsetMs: row.clock_offset_ms,
      clockMeasuredAt: row.clock_measured_at,
    };
  }

  update(patch: Partial<SyncStateRow>): void {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [keyof SyncStateRow, unknown][];
    if (entries.length === 0) return;
    const sql = `UPDATE sync_state SET ${entries.map(([key]) => `${COLUMNS[key]} = @${key}`).join(', ')} WHERE id = 1`;
    this.db.prepare(sql).run(Object.fromEntries(entries));
  }
}
