import type { Sqlite } from '../openDatabase.js';

/** One schema step; `up` runs inside the migration's transaction. */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Sqlite) => void);
}
