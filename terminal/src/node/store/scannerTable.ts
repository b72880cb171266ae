import type { Sqlite } from './openDatabase.js';

/** The `scanners` table: each configured scanner's configuration, as JSON. */
export class ScannerTable {
  readonly #all;
  readonly #put;
  readonly #delete;

  constructor(db: Sqlite) {
    this.#all = db.prepare<[], { config: string }>('SELECT config FROM scanners ORDER BY id');
    this.#put = db.prepare<[string, string]>(
      'INSERT INTO scanners (id, config) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET config = excluded.config',
    );
    this.#delete = db.prepare<[string]>('DELETE FROM scanners WHERE id = ?');
  }

  all(): unknown[] {
    return this.#all.all().map((row) => JSON.parse(row.config) as unknown);
  }

  put(id: string, config: unknown): void {
    this.#put.run(id, JSON.stringify(config));
  }

  delete(id: string): boolean {
    return this.#delete.run(id).changes > 0;
  }
}
