import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

/** The backend's command, run as a separate process exactly as an operator would. */
export const backendBin = fileURLToPath(new URL('../../../backend/bin/tegata-backend.mjs', import.meta.url));

export type BackendDatabase = 'sqlite' | 'postgres';

/** The databases end-to-end suites run the backend on: SQLite always, PostgreSQL when configured. */
export const BACKEND_DATABASES: BackendDatabase[] = process.env.TEGATA_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface BackendProcess {
  child: ChildProcess;
  url: string;
  database: BackendDatabase;
  /** Runs a read-only query on the backend's database (portable SQL, `?` placeholders). */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  adminToken: string;
  admin<T = unknown>(method: 'GET' | 'POST', path: string, body?: object): Promise<T>;
  stop(): Promise<void>;
}

/**
 * `tegata-backend serve` in dev mode on a free port with its own data directory — on SQLite, or
 * on PostgreSQL in a schema of its own (dropped by `stop()`).
 */
export async function startBackend(dataDir: string, env: Record<string, string> = {}, database: BackendDatabase = 'sqlite'): Promise<BackendProcess> {
  const adminToken = `TEST-ONLY-admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const pgUrl = process.env.TEGATA_TEST_PG_URL;
  const schema = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  if (database === 'postgres' && pgUrl === undefined) throw new Error('TEGATA_TEST_PG_URL is not set');
  const databaseEnv: Record<string, string> = database === 'postgres' ? { DATABASE_URL: pgUrl!, TEGATA_DB_SCHEMA: schema } : {};
  const child = spawn(process.execPath, [backendBin, 'serve', '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEGATA_DEV: '1', TEGATA_ADMIN_TOKEN: adminToken, TEGATA_LOG_LEVEL: 'warn', ...databaseEnv, ...env },
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start: ${stderr}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+?)(?:[\s;]|$)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${String(code)}: ${stderr}`)));
  });
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    if (database === 'sqlite') {
      const db = new Database(join(dataDir, 'tegata.sqlite'), { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(`set search_path to "${schema}"`);
      let n = 0;
      const result = await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
      return result.rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    child,
    url,
    database,
    query,
    adminToken,
    async admin<T>(method: 'GET' | 'POST', path: string, body?: object) {
      const response = await fetch(new URL(path, url), {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      if (database === 'postgres') {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    },
  };
}
