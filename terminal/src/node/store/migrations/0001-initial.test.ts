import { describe, expect, it } from 'vitest';
import { openDatabase } from '../openDatabase.js';
import { migrate, schemaVersion } from '../migrate.js';
import { tempDataDir } from '../../../../test/helpers/tempDataDir.js';

describe('migration 0001 (initial)', () => {
  it('creates every table on an empty database, with the genesis sync state', () => {
    const dir = tempDataDir();
    const db = openDatabase(`${dir.path}/terminal.db`);
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db, 1)).toBe(1);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    expect(tables).toEqual(['config', 'journal', 'outbox', 'scanners', 'seen_tokens', 'sync_state', 'trust']);
    expect(db.prepare('SELECT acked_seq, acked_hash FROM sync_state').get()).toEqual({ acked_seq: 0, acked_hash: '0'.repeat(64) });
    db.close();
    dir.remove();
  });
});
