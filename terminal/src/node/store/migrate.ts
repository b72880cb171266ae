import type { Sqlite } from './openDatabase.js';
import { StoreError } from './openDatabase.js';
import { migration0001 } from './migrations/0001-initial.js';
import type { Migration } from './migrations/migration.js';

export type { Migration } from './migrations/migration.js';

/** Every migration, in order. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = [migration0001];
export const LATEST_SCHEMA = MIGRATIONS.length;

export function schemaVersion(db: Sqlite): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Brings the database to `target` (default: the latest), one transaction per migration so a
 * crash leaves it at a whole version. A database from a newer build is refused untouched.
 */
export function migrate(db: Sqlite, target = LATEST_SCHEMA, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new StoreError(
      'too_new',
      `this database was made by a newer Tegata (schema ${current}; this build knows up to ${migrations.length}). ` +
        'Nothing was changed. Install the newer version or use another data directory.',
    );
  }
  for (const migration of migrations.slice(current, target)) {
    db.transaction(() => {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}
