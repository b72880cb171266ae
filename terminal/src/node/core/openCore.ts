import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nodeEd25519 } from '@tegata/protocol/node';
import { readAckedHead, readIdentity } from '../identity/terminalIdentity.js';
import { migrate } from '../store/migrate.js';
import { openDatabase, type Sqlite } from '../store/openDatabase.js';
import { TerminalStore } from '../store/terminalStore.js';
import { BackendClient } from '../sync/backendClient.js';
import { SyncEngine } from '../sync/syncEngine.js';
import type { TimeSources } from '../../shared/clock/registerClock.js';
import { systemRandom, systemTime } from './systemSources.js';
import { TerminalCore, type Logger, type ScannerHost } from './terminalCore.js';

export const DATABASE_FILE = 'terminal.db';

export class NotEnrolledError extends Error {
  override name = 'NotEnrolledError';
  constructor(dataDir: string, missing = false) {
    super(
      `no terminal identity in ${dataDir}: ` +
        (missing ? 'there is no such folder (check --data or $TEGATA_TERMINAL_DATA); nothing was created. Or ' : '') +
        'enroll this register first (tegata-terminal enroll), ' +
        'or for development only: tegata-terminal dev-setup --data <dir>',
    );
  }
}

export interface OpenedCore {
  core: TerminalCore;
  db: Sqlite;
  store: TerminalStore;
  /** Present when the register is enrolled with a backend; not started yet. */
  sync: SyncEngine | null;
  close: () => void;
}

/** Where the backend is, stored at enrollment. */
export const BACKEND_URL_KEY = 'backendUrl';

/** The composition root of the terminal core: database, identity, clock, randomness. */
export function openCore(options: {
  dataDir: string;
  logger: Logger;
  scanners?: ScannerHost;
  duplicateWindowMs?: number;
  /** Overrides the stored backend URL (tests, a proxy in front of the backend). */
  backendUrl?: string;
  onSyncProgress?: (progress: { acknowledgedSeq: number; pending: number }) => void;
  /** The clocks (default: the system's); tests inject one to let hours pass in a moment. */
  time?: TimeSources;
  /** Random bytes for ids (default: the system's, cryptographically secure). */
  random?: (length: number) => Uint8Array;
  /** Backoff jitter in [0, 1) (default Math.random). */
  jitter?: () => number;
}): OpenedCore {
  // Opening a register never creates its folder: a typo in --data must not become a new, empty register.
  if (!existsSync(options.dataDir)) throw new NotEnrolledError(options.dataDir, true);
  const identity = readIdentity(options.dataDir, nodeEd25519);
  if (identity === null) throw new NotEnrolledError(options.dataDir);
  const db = openDatabase(join(options.dataDir, DATABASE_FILE));
  try {
    migrate(db);
    const store = new TerminalStore(db, identity.terminalId);
    const time = options.time ?? systemTime;
    const backendUrl = options.backendUrl ?? store.config(BACKEND_URL_KEY);
    // The engine needs the core and the core asks the engine; it is wired once both exist.
    let sync: SyncEngine | null = null;
    const core = new TerminalCore({
      store,
      identity,
      ed25519: nodeEd25519,
      time,
      random: options.random ?? systemRandom,
      logger: options.logger,
      ackedHead: readAckedHead(options.dataDir),
      ...(backendUrl === undefined
        ? {}
        : {
            authorizer: { isOnline: () => sync?.isOnline() ?? false, authorize: (request) => sync?.authorize(request) ?? Promise.resolve(null) },
            sync: {
              syncNow: () => (sync === null ? Promise.reject(new Error('sync is not running')) : sync.syncNow()),
              nudge: () => sync?.nudge(),
            },
          }),
      ...(options.scanners === undefined ? {} : { scanners: options.scanners }),
      ...(options.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: options.duplicateWindowMs }),
    });
    if (backendUrl !== undefined) {
      const client = new BackendClient({
        baseUrl: backendUrl,
        ed25519: nodeEd25519,
        nowMs: () => core.nowMs(),
        credentials: { terminalId: identity.terminalId, seed: identity.seed },
      });
      sync = new SyncEngine({
        core,
        store,
        client,
        dataDir: options.dataDir,
        logger: options.logger,
        time,
        random: options.jitter ?? Math.random,
        ...(options.onSyncProgress === undefined ? {} : { onProgress: options.onSyncProgress }),
      });
    }
    return { core, db, store, sync, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
