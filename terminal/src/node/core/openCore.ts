import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { nodeEd25519 } from '@tegata/protocol/node';
import { readAckedHead, readIdentity } from '../identity/terminalIdentity.js';
import { migrate } from '../store/migrate.js';
import { openDatabase, type Sqlite } from '../store/openDatabase.js';
import { TerminalStore } from '../store/terminalStore.js';
import { TerminalCore, type Logger, type OnlineAuthorizer, type ScannerHost } from './terminalCore.js';

export const DATABASE_FILE = 'terminal.db';

export class NotEnrolledError extends Error {
  override name = 'NotEnrolledError';
  constructor(dataDir: string) {
    super(
      `no terminal identity in ${dataDir}: enroll this register first (tegata-terminal enroll), ` +
        'or for development only: tegata-terminal dev-setup --data <dir>',
    );
  }
}

export interface OpenedCore {
  core: TerminalCore;
  db: Sqlite;
  close(): void;
}

/** The composition root of the terminal core: database, identity, clock, randomness. */
export function openCore(options: {
  dataDir: string;
  logger: Logger;
  authorizer?: OnlineAuthorizer;
  scanners?: ScannerHost;
  duplicateWindowMs?: number;
}): OpenedCore {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const identity = readIdentity(options.dataDir, nodeEd25519);
  if (identity === null) throw new NotEnrolledError(options.dataDir);
  const db = openDatabase(join(options.dataDir, DATABASE_FILE));
  try {
    migrate(db);
    const core = new TerminalCore({
      store: new TerminalStore(db, identity.terminalId),
      identity,
      ed25519: nodeEd25519,
      time: { wallMs: () => Date.now(), monotonicMs: () => performance.now() },
      random: (length) => new Uint8Array(randomBytes(length)),
      logger: options.logger,
      ackedHead: readAckedHead(options.dataDir),
      ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
      ...(options.scanners === undefined ? {} : { scanners: options.scanners }),
      ...(options.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: options.duplicateWindowMs }),
    });
    return { core, db, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
