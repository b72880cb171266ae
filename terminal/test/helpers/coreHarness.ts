import { readFileSync } from 'node:fs';
import { fromBase64url, readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, seededRandom, type OfflineWallet } from '@tegata/hardware-mocks';
import { migrate } from '../../src/node/store/migrate.js';
import { openDatabase, type Sqlite } from '../../src/node/store/openDatabase.js';
import { TerminalStore } from '../../src/node/store/terminalStore.js';
import { TerminalCore, type OnlineAuthorizer } from '../../src/node/core/terminalCore.js';
import type { AckedHead, TerminalIdentity } from '../../src/node/identity/terminalIdentity.js';
import { tempDataDir } from './tempDataDir.js';

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')) as unknown;

interface KeysFile {
  root: { publicKey: string };
  terminal: { seed: string };
}
const keys = fixture('keys/TEST-ONLY-keys.json') as KeysFile;
export const FIXTURE_NOW = (fixture('vectors/tokens.json') as { fixtureNow: number }).fixtureNow;
export const fixtureBundle = fixture('trust/TEST-ONLY-trust-bundle.json');

export function fixtureIdentity(terminalId = 'TEST-ONLY-terminal-1'): TerminalIdentity {
  const seed = fromBase64url(keys.terminal.seed)!;
  return {
    terminalId,
    seed,
    publicKey: nodeEd25519.publicKeyFromSeed(seed),
    rootPublicKeys: [fromBase64url(keys.root.publicKey)!],
    storeId: null,
    testOnly: true,
  };
}

/** A controllable clock: wall and monotonic move together unless a test says otherwise. */
export class FakeTime {
  wall: number;
  mono = 1_000_000;
  constructor(startMs: number) {
    this.wall = startMs;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  sources = { wallMs: () => this.wall, monotonicMs: () => this.mono };
}

export interface CoreHarness {
  dir: string;
  db: Sqlite;
  store: TerminalStore;
  core: TerminalCore;
  time: FakeTime;
  identity: TerminalIdentity;
  wallet(name?: 'alice' | 'demo'): OfflineWallet;
  /** Reopens the core on the same database (a restart). */
  restart(options?: { ackedHead?: AckedHead | null }): void;
  close(): void;
  logs: { level: string; message: string | undefined }[];
}

export function createCoreHarness(options: { ready?: boolean; authorizer?: OnlineAuthorizer; dir?: string } = {}): CoreHarness {
  const temp = options.dir === undefined ? tempDataDir() : null;
  const dir = options.dir ?? temp!.path;
  const time = new FakeTime(FIXTURE_NOW * 1000);
  const identity = fixtureIdentity();
  const logs: CoreHarness['logs'] = [];
  const logger = {
    info: (_: object, message?: string) => logs.push({ level: 'info', message }),
    warn: (_: object, message?: string) => logs.push({ level: 'warn', message }),
    error: (_: object, message?: string) => logs.push({ level: 'error', message }),
  };
  const open = (ackedHead: AckedHead | null): { db: Sqlite; store: TerminalStore; core: TerminalCore } => {
    const db = openDatabase(`${dir}/terminal.db`);
    migrate(db);
    const store = new TerminalStore(db, identity.terminalId);
    // Deterministic randomness for ids (never for keys), seeded by the journal's length.
    const random = seededRandom(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM journal').get()!.n + 7);
    const core = new TerminalCore({
      store,
      identity,
      ed25519: nodeEd25519,
      time: time.sources,
      random: (length) => random.bytes(length),
      logger,
      ackedHead,
      ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
    });
    return { db, store, core };
  };
  let current = open(null);
  if (options.ready !== false) {
    const installed = current.core.installTrustBundle(fixtureBundle);
    if (!installed.ok) throw new Error(installed.message);
    current.core.recordClockMeasurement(0, time.wall);
    current.core.recordAcknowledgedSync(FIXTURE_NOW);
  }
  const harness: CoreHarness = {
    dir,
    get db() {
      return current.db;
    },
    get store() {
      return current.store;
    },
    get core() {
      return current.core;
    },
    time,
    identity,
    logs,
    wallet(name = 'alice') {
      const file = readDeviceKeysFile(fixture(`keys/TEST-ONLY-device-${name}.json`));
      if (!file.ok) throw new Error(file.message);
      return createOfflineWallet({ ed25519: nodeEd25519, keys: file.keys, now: () => Math.floor(time.wall / 1000), firstCounter: 1000 });
    },
    restart(restartOptions = {}) {
      current.db.close();
      current = open(restartOptions.ackedHead ?? null);
    },
    close() {
      current.db.close();
      temp?.remove();
    },
  };
  return harness;
}
