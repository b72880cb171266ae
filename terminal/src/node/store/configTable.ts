import type { Sqlite } from './openDatabase.js';

/** The `config` table: small settings by key (the backend URL, the outcomes cursor…). */
export class ConfigTable {
  readonly #get;
  readonly #put;

  constructor(readonly db: Sqlite) {
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM config WHERE key = ?');
    this.#put = db.prepare<[string, string]>(
      'INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: string): string | undefined {
    return this.#get.get(key)?.value;
  }

  put(key: string, value: string): void {
    this.#put.run(key, value);
  }

  delete(key: string): void {
    this.db.prepare<[string]>('DELETE FROM config WHERE key = ?').run(key);
  }
}
