import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/databases.js';
import type { Db } from '../database.js';
import { appliedMigrations, migrateTo, MIGRATIONS } from '../migrate.js';

const NAME = '0004-flag-subjects';
const names = Object.keys(MIGRATIONS);
const PREVIOUS = names[names.indexOf(NAME) - 1] ?? '';

describe.each(TEST_DIALECTS)(`migration ${NAME} on %s`, (dialect) => {
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

  const oldFlag = (id: string, kind: string, resolvedAt: number | null) => ({
    id,
    kind,
    terminal_id: null,
    store_id: null,
    device_id: null,
    record_id: null,
    amount: null,
    currency: null,
    detail: '{"network":"198.51.100.0/24"}',
    created_at: 5,
    resolved_at: resolvedAt,
  });

  it('keeps the flags before it (seen once, about no subject), allows one open flag per subject, and rolls back', async () => {
    expect(PREVIOUS).not.toBe('');
    await migrateTo(db, PREVIOUS);
    // Several open flags of one kind from before: they have no subject, so none collides.
    await db.kysely.insertInto('flags').values([oldFlag('f1', 'credential_stuffing', null), oldFlag('f2', 'credential_stuffing', null)] as never).execute();

    expect(await migrateTo(db, NAME)).toEqual([NAME]);
    const kept = await db.kysely.selectFrom('flags').selectAll().orderBy('id').execute();
    expect(kept.map((f) => ({ id: f.id, subject: f.subject, occurrences: Number(f.occurrences), last_seen_at: f.last_seen_at }))).toEqual([
      { id: 'f1', subject: null, occurrences: 1, last_seen_at: null },
      { id: 'f2', subject: null, occurrences: 1, last_seen_at: null },
    ]);

    const withSubject = (id: string, resolvedAt: number | null) => ({ ...oldFlag(id, 'credential_stuffing', resolvedAt), subject: 'network:198.51.100.0/24' });
    await db.kysely.insertInto('flags').values(withSubject('f3', 1)).execute(); // resolved
    await db.kysely.insertInto('flags').values(withSubject('f4', null)).execute(); // open
    await expect(db.kysely.insertInto('flags').values(withSubject('f5', null)).execute()).rejects.toThrow(/unique|duplicate/i);
    await db.kysely.insertInto('flags').values({ ...withSubject('f6', null), kind: 'login_failure_surge' }).execute(); // other kind

    await migrateTo(db, PREVIOUS);
    expect(await appliedMigrations(db)).toEqual(names.slice(0, names.indexOf(NAME)));
    const after = await db.kysely.selectFrom('flags').selectAll().where('id', '=', 'f1').executeTakeFirstOrThrow();
    expect(Object.keys(after)).not.toContain('subject');
  });
});
