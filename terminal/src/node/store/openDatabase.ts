import Database from 'better-sqlite3';

export type Sqlite = Database.Database;

/** Why the store cannot be used, classified so the UI can say something useful. */
export class StoreError extends Error {
  constructor(
    readonly code: 'corrupt' | 'readonly' | 'busy' | 'too_new' | 'not_durable' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Opens the register's SQLite database with the durability DESIGN.md requires: WAL journal
 * and synchronous=FULL set explicitly (better-sqlite3 builds default to NORMAL in WAL mode,
 * which can lose a committed sale on power loss) and read back to prove they took.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Sqlite {
  let db: Sqlite;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw classify(error, `cannot open the database at ${path}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    const journalMode = String(db.pragma('journal_mode', { simple: true }));
    const synchronous = Number(db.pragma('synchronous', { simple: true }));
    if (!options.readonly && (journalMode !== 'wal' || synchronous !== 2)) {
      throw new StoreError('not_durable', `the database is not durable (journal_mode=${journalMode}, synchronous=${synchronous})`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error instanceof StoreError ? error : classify(error, `cannot prepare the database at ${path}`);
  }
}

export function classify(error: unknown, context: string): StoreError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new StoreError('corrupt', `${context}: the file is damaged or not a database (${message})`, { cause: error });
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') return new StoreError('readonly', `${context}: ${message}`, { cause: error });
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new StoreError('busy', `${context}: another process holds the database (${message})`, { cause: error });
  return new StoreError('io', `${context}: ${message}`, { cause: error });
}
