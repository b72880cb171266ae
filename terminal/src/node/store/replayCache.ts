import type { Sqlite } from './openDatabase.js';

/** The `seen_tokens` table: the replay cache of check 14, one row per spent (device, counter). */
export class ReplayCache {
  readonly #insert;
  readonly #find;
  readonly #prune;

  constructor(readonly db: Sqlite) {
    this.#insert = db.prepare<[string, number, number, number]>(
      'INSERT INTO seen_tokens (device_id, counter, keep_until, seq) VALUES (?, ?, ?, ?)',
    );
    this.#find = db.prepare<[string, number], { seq: number }>('SELECT seq FROM seen_tokens WHERE device_id = ? AND counter = ?');
    this.#prune = db.prepare<[number]>('DELETE FROM seen_tokens WHERE keep_until < ?');
  }

  remember(deviceId: string, counter: number, keepUntil: number, seq: number): void {
    this.#insert.run(deviceId, counter, keepUntil, seq);
  }

  has(deviceId: string, counter: number): boolean {
    return this.#find.get(deviceId, counter) !== undefined;
  }

  prune(now: number): number {
    return this.#prune.run(now).changes;
  }

  /** The entries stay spent, but no longer point at records after `seq`. */
  detachAfter(seq: number): void {
    this.db.prepare<[number]>('UPDATE seen_tokens SET seq = 0 WHERE seq > ?').run(seq);
  }
}
