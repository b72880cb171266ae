import { describe, expect, it } from 'vitest';
import { openDatabase, StoreError } from './openDatabase.js';
import { LATEST_SCHEMA, migrate, schemaVersion } from './migrate.js';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';

describe('migrate', () => {
  it('opens with WAL and synchronous=FULL, asserted', () => {
    const dir = tempDataDir();
    const db = openDatabase(`${dir.path}/t.db`);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
    dir.remove();
  });

  it('is idempotent at the latest version', () => {
    const dir = tempDataDir();
    const db = openDatabase(`${dir.path}/t.db`);
    expect(migrate(db)).toBe(LATEST_SCHEMA);
    expect(migrate(db)).toBe(LATEST_SCHEMA);
    db.close();
    dir.remove();
  });

  it('refuses a database from a newer version and changes nothing', () => {
    const dir = tempDataDir();
    const db = openDatabase(`${dir.path}/t.db`);
    db.exec('CREATE TABLE future_thing (x INTEGER)');
    db.pragma(`user_version = ${LATEST_SCHEMA + 3}`);
    const before = db.prepare("SELECT name FROM sqlite_master ORDER BY name").all();
    expect(() => migrate(db)).toThrow(StoreError);
    expect(() => migrate(db)).toThrow(/newer Tegata \(schema \d+; this build knows up to \d+\)\. Nothing was changed/);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA + 3);
    expect(db.prepare("SELECT name FROM sqlite_master ORDER BY name").all()).toEqual(before);
    db.close();
    dir.remove();
  });

  it('rolls back a failing migration as a whole', () => {
    const dir = tempDataDir();
    const db = openDatabase(`${dir.path}/t.db`);
    const broken = [{ version: 1, name: 'broken', up: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }];
    expect(() => migrate(db, 1, broken)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'a'").get()).toEqual({ n: 0 });
    db.close();
    dir.remove();
  });

  it('classifies a file that is not a database', async () => {
    const dir = tempDataDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir.path}/garbage.db`, 'this is not sqlite at all, just text '.repeat(200));
    expect(() => openDatabase(`${dir.path}/garbage.db`)).toThrow(expect.objectContaining({ code: 'corrupt' }) as Error);
    dir.remove();
  });
});
