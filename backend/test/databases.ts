/**
 * The databases every backend suite runs on: SQLite always, PostgreSQL too when
 * TEGATA_TEST_PG_URL is set. Each PostgreSQL use gets a schema of its own (dropped after), so
 * concurrent test files and runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, SQLITE_FILE_NAME, type Db, type Dialect } from '../src/db/database.js';

export const PG_URL = process.env.TEGATA_TEST_PG_URL;

export const TEST_DIALECTS: readonly Dialect[] = PG_URL === undefined || PG_URL === '' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestDatabase {
  readonly dialect: Dialect;
  /** A fresh temporary data directory (the SQLite file and key files go here). */
  readonly dataDir: string;
  /** Config members that point a backend at this database. */
  readonly config: { dataDir: string; databaseUrl?: string; databaseSchema?: string };
  open(): Promise<Db>;
  /** Drops the PostgreSQL schema and removes the data directory. */
  destroy(): Promise<void>;
}

/**
 * Memory-backed where the machine has it: the suites test logic, not power-loss durability, and
 * SQLite's synchronous=FULL costs an fsync per commit on a disk (the adversarial suites commit
 * tens of thousands of times).
 */
const TEMP_ROOT = process.env.TEGATA_TEST_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

export function createTestDatabase(dialect: Dialect): TestDatabase {
  const dataDir = mkdtempSync(path.join(TEMP_ROOT, 'tegata-backend-'));
  if (dialect === 'sqlite') {
    return {
      dialect,
      dataDir,
      config: { dataDir },
      open: () => openDatabase({ sqliteFile: path.join(dataDir, SQLITE_FILE_NAME) }),
      destroy: () => {
        rmSync(dataDir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const url = PG_URL ?? '';
  const schema = `t_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  return {
    dialect,
    dataDir,
    config: { dataDir, databaseUrl: url, databaseSchema: schema },
    open: () => openDatabase({ databaseUrl: url, schema, poolSize: 4 }),
    destroy: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
