import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/databases.js';
import type { Db } from '../database.js';
import { appliedMigrations, migrateTo } from '../migrate.js';

describe.each(TEST_DIALECTS)('migration 0002 on %s', (dialect) => {
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

  it('keeps the accounts of 0001 (they become standard-risk), adds the account tables, and rolls back', async () => {
    await migrateTo(db, '0001-initial');
    await db.kysely
      .insertInto('accounts')
      .values({
        id: 'acc_old',
        status: 'active',
        phone: null,
        email: null,
        password_hash: null,
        phone_verified_at: null,
        email_verified_at: null,
        created_at: 1,
        updated_at: 1,
      } as never)
      .execute();

    expect(await migrateTo(db, '0002-accounts')).toEqual(['0002-accounts']);
    const old = await db.kysely.selectFrom('accounts').selectAll().where('id', '=', 'acc_old').executeTakeFirstOrThrow();
    expect(old).toMatchObject({ risk: 'standard', cooldown_until: null, reset_at: null, password_changed_at: null });

    await db.kysely
      .insertInto('throttles')
      .values({ key: 'login:ip:192.0.2.1', failures: 3, last_at: 2 ** 52, decay_ms: 3_600_000 })
      .execute();
    await db.kysely
      .insertInto('one_time_codes')
      .values({
        id: 'c1',
        purpose: 'login',
        subject_id: 'ch1',
        account_id: 'acc_old',
        channel: 'sms',
        destination: '+819012345678',
        code_hash: 'h',
        created_at: 1,
        expires_at: 2,
        used_at: null,
      })
      .execute();
    expect(await db.kysely.selectFrom('one_time_codes').select('attempts').executeTakeFirstOrThrow()).toEqual({ attempts: 0 });
    expect(await db.kysely.selectFrom('throttles').select('last_at').executeTakeFirstOrThrow()).toEqual({ last_at: 2 ** 52 });

    await migrateTo(db, '0001-initial');
    expect(await appliedMigrations(db)).toEqual(['0001-initial']);
    const after = await db.kysely.selectFrom('accounts').selectAll().where('id', '=', 'acc_old').executeTakeFirstOrThrow();
    expect(Object.keys(after)).not.toContain('risk');
  });
});
