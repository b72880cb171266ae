import type { SignedTrustBundle } from '@tegata/protocol';
import type { Sqlite } from './openDatabase.js';

/** The `trust` table: the trust bundle in force, as received. */
export class TrustTable {
  readonly #get;
  readonly #put;

  constructor(db: Sqlite) {
    this.#get = db.prepare<[], { bundle: string }>('SELECT bundle FROM trust WHERE id = 1');
    this.#put = db.prepare<[number, number, number, string, number]>(
      `INSERT INTO trust (id, serial, issued_at, expires_at, bundle, stored_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET serial = excluded.serial, issued_at = excluded.issued_at,
         expires_at = excluded.expires_at, bundle = excluded.bundle, stored_at = excluded.stored_at`,
    );
  }

  get(): SignedTrustBundle | null {
    const row = this.#get.get();
    return row === undefined ? null : (JSON.parse(row.bundle) as SignedTrustBundle);
  }

  put(serial: number, issuedAt: number, expiresAt: number, bundle: SignedTrustBundle, storedAt: number): void {
    this.#put.run(serial, issuedAt, expiresAt, JSON.stringify(bundle), storedAt);
  }
}
