/**
 * The one migration set for SQLite and PostgreSQL, one file per migration, applied in order.
 * Listed here rather than read from a folder so the bundle of migrations is part of the build.
 */
import { Migrator, type Migration, type MigrationResultSet, type NoMigrations } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-accounts.js';
import * as m0003 from './migrations/0003-device-holds.js';
import * as m0004 from './migrations/0004-flag-subjects.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': m0001,
  '0002-accounts': m0002,
  '0003-device-holds': m0003,
  '0004-flag-subjects': m0004,
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1) ?? '';

function migrator(db: Db): Migrator {
  return new Migrator({
    db: db.kysely,
    provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) },
    // Without it Kysely looks for its own tables in every schema, and a concurrent database in
    // another schema (parallel tests, a second tenant) makes it skip creating ours.
    ...(db.schema === undefined ? {} : { migrationTableSchema: db.schema }),
  });
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

function check(result: MigrationResultSet): string[] {
  const failed = result.results?.find((r) => r.status === 'Error');
  if (result.error !== undefined || failed !== undefined) {
    const cause = result.error instanceof Error ? result.error : undefined;
    throw new MigrationError(
      `migration ${failed?.migrationName ?? ''} failed: ${cause?.message ?? String(result.error)}`,
      failed?.migrationName,
      { cause },
    );
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return check(await migrator(db).migrateToLatest());
}

/** Migrates up or down to exactly `name` (migration tests: to N−1, seed, to N). */
export async function migrateTo(db: Db, name: string | NoMigrations): Promise<string[]> {
  return check(await migrator(db).migrateTo(name));
}

/** Names of the migrations already applied. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
