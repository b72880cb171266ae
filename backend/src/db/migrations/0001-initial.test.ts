import { sql } from 'kysely';
import { NO_MIGRATIONS } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/databases.js';
import type { Db } from '../database.js';
import { appliedMigrations, migrateTo } from '../migrate.js';

describe.each(TEST_DIALECTS)('migration 0001 on %s', (dialect) => {
  let testDb: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    testDb = createTestDatabase(dialect);
    db = await testDb.open();
  });
  afterAll(async () => {
    await db.close();
    await testDb.destroy();
  });

  it('creates the tables, keeps 64-bit integers exact, and rolls back', async () => {
    expect(await migrateTo(db, '0001-initial')).toEqual(['0001-initial']);
    expect(await appliedMigrations(db)).toEqual(['0001-initial']);
    expect(await migrateTo(db, '0001-initial')).toEqual([]); // idempotent

    await db.kysely.insertInto('stores').values({ id: 'sto_1', name: 'Ginza', created_at: 1_764_115_200_123 }).execute();
    await db.kysely
      .insertInto('ledger_accounts')
      .values({ id: 'w1', kind: 'wallet', owner_id: null, currency: 392, balance: 2 ** 53 - 1, created_at: 0 })
      .execute();
    const store = await db.kysely.selectFrom('stores').selectAll().executeTakeFirstOrThrow();
    expect(store).toEqual({ id: 'sto_1', name: 'Ginza', created_at: 1_764_115_200_123 });
    const account = await db.kysely.selectFrom('ledger_accounts').select('balance').executeTakeFirstOrThrow();
    expect(account.balance).toBe(2 ** 53 - 1);

    // Foreign keys are enforced on both databases.
    await expect(
      db.kysely
        .insertInto('terminals')
        .values({ id: 't', store_id: 'nope', name: 'x', public_key: 'k', status: 'active', enrolled_at: 0, head_hash: '0', revoked_at: null, head_created_at: null, last_journal_at: null, caught_up_at: null })
        .execute(),
    ).rejects.toThrow();

    await migrateTo(db, NO_MIGRATIONS);
    expect(await appliedMigrations(db)).toEqual([]);
    await expect(sql`select count(*) from stores`.execute(db.kysely)).rejects.toThrow();
  });
});
