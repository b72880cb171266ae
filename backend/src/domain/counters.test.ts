/**
 * One contract for every counter store: the database on each test dialect, and Redis when
 * TEGATA_TEST_REDIS_URL is set (REDIS_URL in production).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../test/databases.js';
import type { Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { databaseCounters, type CounterStore } from './counters.js';
import { openRedisCounters } from './redisCounters.js';

const REDIS_URL = process.env.TEGATA_TEST_REDIS_URL;

interface Opened {
  store: CounterStore;
  close: () => Promise<void>;
}

interface Store {
  name: string;
  open(): Promise<Opened>;
}

const stores: Store[] = TEST_DIALECTS.map((dialect) => ({
  name: `database (${dialect})`,
  async open() {
    const testDb: TestDatabase = createTestDatabase(dialect);
    const db: Db = await testDb.open();
    await migrateToLatest(db);
    return {
      store: databaseCounters(db),
      async close() {
        await db.close();
        await testDb.destroy();
      },
    };
  },
}));
if (REDIS_URL !== undefined && REDIS_URL !== '') {
  stores.push({
    name: 'redis',
    async open() {
      const store = await openRedisCounters(REDIS_URL, `tegata-test:${randomBytes(6).toString('hex')}:`);
      return { store, close: () => store.close() };
    },
  });
}

describe.each(stores)('counters in $name', (kind) => {
  let store: CounterStore;
  let opened: Opened;
  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterAll(async () => {
    await opened.close();
  });

  it('counts fixed windows', async () => {
    const t0 = 1_764_115_200_000;
    expect((await store.hit('k', 60, t0)).count).toBe(1);
    expect(await store.hit('k', 60, t0 + 59_999)).toEqual({ count: 2, resetsAt: t0 + 60_000 });
    expect((await store.peek('k', 60, t0)).count).toBe(2);
    expect((await store.hit('k', 60, t0 + 60_000)).count).toBe(1); // the next window
  });

  it('counts failures under several keys at once, concurrently, and decays idle ones', async () => {
    const t0 = 1_764_115_200_000;
    const entries = [
      { key: 'a', decayMs: 10_000 },
      { key: 'b', decayMs: 1_000 },
    ];
    await Promise.all(Array.from({ length: 20 }, () => store.fail(entries, t0)));
    const read = await store.read(['a', 'b', 'missing']);
    expect(read.get('a')).toEqual({ failures: 20, lastAt: t0 });
    expect(read.get('b')).toEqual({ failures: 20, lastAt: t0 });
    expect(read.has('missing')).toBe(false);
    const later = await store.fail(entries, t0 + 5000);
    expect(later.get('a')?.failures).toBe(21);
    expect(later.get('b')?.failures).toBe(1); // idle longer than its decay: starts again
    await store.clear(['a']);
    expect((await store.read(['a', 'b'])).has('a')).toBe(false);
  });
});
