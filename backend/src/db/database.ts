/**
 * One Kysely interface over SQLite (better-sqlite3, the embedded default) and PostgreSQL (pg,
 * when DATABASE_URL is set). Queries are written once; the few differences (row locks,
 * retrying a transaction PostgreSQL aborted for a deadlock) live here.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** Human description without secrets, for logs: the file, or host/database/schema. */
  readonly description: string;
  /** The PostgreSQL schema this database lives in, when not the default one. */
  readonly schema?: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL when set. */
  databaseUrl?: string;
  /** PostgreSQL only: use (and create) this schema. */
  schema?: string;
  /** SQLite file; required when databaseUrl is absent. */
  sqliteFile?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export const SQLITE_FILE_NAME = 'tegata.sqlite';

const INT8_OID = 20;

/** int8 arrives as text from pg; ours are counts, ms and minor units, all safe integers. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer out of the safe range: ${text}`);
  return value;
}

const builtinParser: (oid: number, format: 'text') => (value: string) => unknown = pg.types.getTypeParser;

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : builtinParser(oid, 'text'),
};

export async function openDatabase(options: OpenDatabaseOptions): Promise<Db> {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl, options.schema, options.poolSize ?? 10);
  if (options.sqliteFile === undefined) throw new Error('openDatabase: a SQLite file or a PostgreSQL URL is required');
  return openSqlite(options.sqliteFile);
}

function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  // WAL for concurrent readers; FULL so a committed settlement survives power loss (the
  // default in WAL mode is NORMAL, which may lose the last transactions).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    kysely,
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    close: () => kysely.destroy(),
  };
}

async function openPostgres(url: string, schema: string | undefined, poolSize: number): Promise<Db> {
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes,
    ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    kysely,
    dialect: 'postgres',
    description: `postgres://${parsed.host}${parsed.pathname}${schema === undefined ? '' : ` schema ${schema}`}`,
    ...(schema === undefined ? {} : { schema }),
    close: () => kysely.destroy(),
  };
}

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/**
 * Runs `work` in one transaction. PostgreSQL may abort a transaction to break a deadlock
 * between two concurrent ones; it is then run again from the start (it has had no effect).
 * SQLite transactions never interleave here (Kysely serialises its single connection).
 */
export async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.kysely.transaction().execute(work);
    } catch (error) {
      if (attempt >= 5 || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRYABLE_PG_CODES.has(String((error as { code?: unknown }).code));
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** A cheap round trip, for /readyz. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}

/** `FOR UPDATE` on PostgreSQL; SQLite needs none (it has one writer at a time). */
export function lockRows<QB extends { forUpdate(): QB }>(db: Db, query: QB): QB {
  return db.dialect === 'postgres' ? query.forUpdate() : query;
}
