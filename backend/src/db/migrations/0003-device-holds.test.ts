import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/databases.js';
import type { Db } from '../database.js';
import { isUniqueViolation } from '../database.js';
import { appliedMigrations, migrateTo } from '../migrate.js';

describe.each(TEST_DIALECTS)('migration 0003 on %s', (dialect) => {
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

  const device = (id: string, status: string, boundAt: number) => ({
    id,
    account_id: 'acc_1',
    wallet_id: 'w1',
    public_key: `key-${id}`,
    name: id,
    status,
    bound_at: boundAt,
    revoked_at: null,
    revoked_reason: null,
    until_s: null,
  });

  it('keeps one active phone per account, allows one pending beside it, and rolls back', async () => {
    await migrateTo(db, '0002-accounts');
    await db.kysely
      .insertInto('accounts')
      .values({ id: 'acc_1', status: 'active', phone: null, email: null, password_hash: null, phone_verified_at: null, email_verified_at: null, created_at: 1, updated_at: 1 } as never)
      .execute();
    await db.kysely.insertInto('ledger_accounts').values({ id: 'w1', kind: 'wallet', owner_id: 'acc_1', currency: 392, balance: 0, created_at: 1 } as never).execute();
    await db.kysely.insertInto('wallets').values({ id: 'w1', account_id: 'acc_1', currency: 392, created_at: 1 }).execute();
    // Two active phones (a race before 0003): the older one ends revoked.
    await db.kysely.insertInto('devices').values([device('aa', 'active', 1), device('bb', 'active', 2)] as never).execute();

    expect(await migrateTo(db, '0003-device-holds')).toEqual(['0003-device-holds']);
    const rows = await db.kysely.selectFrom('devices').select(['id', 'status', 'pending_until']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'aa', status: 'revoked', pending_until: null },
      { id: 'bb', status: 'active', pending_until: null },
    ]);
    const account = await db.kysely.selectFrom('accounts').select(['frozen_at', 'sim_swap_flagged_at']).executeTakeFirstOrThrow();
    expect(account).toEqual({ frozen_at: null, sim_swap_flagged_at: null });

    const second = db.kysely.insertInto('devices').values(device('cc', 'active', 3) as never).execute();
    await expect(second).rejects.toSatisfy(isUniqueViolation);
    await db.kysely.insertInto('devices').values({ ...device('dd', 'pending', 4), pending_until: 99 } as never).execute();
    await expect(db.kysely.insertInto('devices').values(device('ee', 'pending', 5) as never).execute()).rejects.toSatisfy(isUniqueViolation);

    await migrateTo(db, '0002-accounts');
    expect(await appliedMigrations(db)).toEqual(['0001-initial', '0002-accounts']);
    const after = await db.kysely.selectFrom('devices').selectAll().where('id', '=', 'dd').executeTakeFirstOrThrow();
    expect(after.status).toBe('revoked');
    expect(Object.keys(after)).not.toContain('pending_until');
  });
});
