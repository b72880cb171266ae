/**
 * Integration-test harness: a real backend on 127.0.0.1 port 0, with a temporary data
 * directory and its own database (SQLite, or a private PostgreSQL schema), its log lines
 * captured, and an optional controllable clock.
 */
import { Writable } from 'node:stream';
import { testStartMs } from '@tegata/hardware-mocks';
import { createBackend, type Backend } from '../src/backend.js';
import { DEFAULT_CONFIG, type Config } from '../src/config/config.js';
import type { Dialect } from '../src/db/database.js';
import type { Clock } from '../src/runtime/clock.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

/** A clock tests move by hand; starts at a fixed instant (testStartMs), never at the real time. */
export class TestClock implements Clock {
  #ms: number;
  constructor(startMs = testStartMs()) {
    this.#ms = startMs;
  }
  nowMs(): number {
    return this.#ms;
  }
  nowS(): number {
    return Math.floor(this.#ms / 1000);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
  set(ms: number): void {
    this.#ms = ms;
  }
}

export interface TestBackend {
  readonly backend: Backend;
  readonly url: string;
  readonly database: TestDatabase;
  readonly clock: TestClock;
  /** Every log line written so far, raw. */
  logText(): string;
  logLines(): Record<string, unknown>[];
  /** fetch against the backend; JSON bodies are stringified. */
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; admin?: boolean }): Promise<Response>;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

type Groups =
  | 'policy'
  | 'trust'
  | 'keys'
  | 'certificates'
  | 'enrollment'
  | 'journal'
  | 'authorize'
  | 'accounts'
  | 'throttle'
  | 'messaging'
  | 'notifications'
  | 'topups'
  | 'simSwap';

export type ConfigOverrides = Partial<Omit<Config, Groups>> & {
  certificates?: Partial<Config['certificates']>;
  policy?: Partial<Config['policy']>;
  trust?: Partial<Config['trust']>;
  keys?: Partial<Config['keys']>;
  enrollment?: Partial<Config['enrollment']>;
  journal?: Partial<Config['journal']>;
  authorize?: Partial<Config['authorize']>;
  accounts?: Partial<Config['accounts']>;
  throttle?: Partial<Config['throttle']>;
  messaging?: Partial<Config['messaging']>;
  notifications?: Partial<Config['notifications']>;
  topups?: Partial<Config['topups']>;
  simSwap?: Partial<Config['simSwap']>;
};

/** Cheap scrypt so suites that log in thousands of times stay fast; the parameters are stored with each hash. */
export const TEST_SCRYPT_LOG_N = 4;

export function testConfig(database: TestDatabase, overrides: ConfigOverrides = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    dev: true,
    port: 0,
    adminToken: ADMIN_TOKEN,
    logLevel: 'info',
    ...database.config,
    ...overrides,
    policy: { ...DEFAULT_CONFIG.policy, ...overrides.policy },
    trust: { ...DEFAULT_CONFIG.trust, ...overrides.trust },
    keys: { ...DEFAULT_CONFIG.keys, ...overrides.keys },
    certificates: { ...DEFAULT_CONFIG.certificates, ...overrides.certificates },
    enrollment: { ...DEFAULT_CONFIG.enrollment, ...overrides.enrollment },
    journal: { ...DEFAULT_CONFIG.journal, ...overrides.journal },
    authorize: { ...DEFAULT_CONFIG.authorize, ...overrides.authorize },
    accounts: { ...DEFAULT_CONFIG.accounts, scryptLogN: TEST_SCRYPT_LOG_N, ...overrides.accounts },
    throttle: { ...DEFAULT_CONFIG.throttle, ...overrides.throttle },
    messaging: { ...DEFAULT_CONFIG.messaging, ...overrides.messaging },
    notifications: { ...DEFAULT_CONFIG.notifications, ...overrides.notifications },
    topups: { ...DEFAULT_CONFIG.topups, ...overrides.topups },
    simSwap: { ...DEFAULT_CONFIG.simSwap, ...overrides.simSwap },
  };
}

export async function startTestBackend(
  dialect: Dialect,
  options: { config?: ConfigOverrides; clock?: TestClock; database?: TestDatabase } = {},
): Promise<TestBackend> {
  const database = options.database ?? createTestDatabase(dialect);
  const clock = options.clock ?? new TestClock();
  const chunks: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const backend = await createBackend({ config: testConfig(database, options.config), clock, logDestination });
  const url = await backend.listen();

  const request: TestBackend['request'] = (method, path, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.admin === true) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
    let body: string | undefined;
    if (requestOptions.body !== undefined) {
      body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    return fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  };

  return {
    backend,
    url,
    database,
    clock,
    logText: () => chunks.join(''),
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    request,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await request(method, path, { body, admin: true });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async close() {
      await backend.close();
      if (options.database === undefined) await database.destroy();
    },
  };
}
