import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealRecord, type JournalRecord, type SignedTrustBundle, type UnsignedJournalRecord, uuidv7 } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';
import { openDatabase, type Sqlite } from './openDatabase.js';
import { migrate } from './migrate.js';
import { TerminalStore, type RecordExtras } from './terminalStore.js';

const TERMINAL_ID = 'reg-1';
const SEED = new Uint8Array(32).fill(7);
const T0 = 1_764_115_200_000;
const NO_EXTRAS: RecordExtras = { saleId: null, deviceId: null, counter: null, certKey: null, mode: null, scanSource: null, scannerId: null };

let dir: ReturnType<typeof tempDataDir>;
let db: Sqlite;
let store: TerminalStore;

beforeEach(() => {
  dir = tempDataDir();
  db = openDatabase(`${dir.path}/terminal.db`);
  migrate(db);
  store = new TerminalStore(db, TERMINAL_ID);
});

afterEach(() => {
  db.close();
  dir.remove();
});

type RecordFields = Partial<Omit<UnsignedJournalRecord, 'seq' | 'prevHash' | 'terminalId' | 'id'>>;

/** Seals the next record of the chain (not yet stored). */
function nextRecord(fields: RecordFields = {}): JournalRecord {
  const head = store.head();
  const seq = head.seq + 1;
  return sealRecord(nodeEd25519, SEED, {
    id: uuidv7(T0 + seq, (length) => new Uint8Array(length).fill(seq)),
    terminalId: TERMINAL_ID,
    seq,
    kind: 'payment',
    createdAt: T0 + seq,
    amount: 100,
    currency: 392,
    token: null,
    decision: 'approved',
    reason: null,
    ref: null,
    trustSerial: 42,
    authorization: null,
    prevHash: head.hash,
    ...fields,
  });
}

/** Seals and appends the next record in its own transaction. */
function append(fields: RecordFields = {}, extras: Partial<RecordExtras> = {}): JournalRecord {
  return store.transaction(() => {
    const record = nextRecord(fields);
    store.appendRecord(record, { ...NO_EXTRAS, ...extras });
    return record;
  });
}

const count = (table: string): number => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;

describe('TerminalStore journal', () => {
  it('has head seq 0 at GENESIS on an empty database', () => {
    expect(store.head()).toEqual({ seq: 0, hash: GENESIS_HASH, createdAt: 0 });
  });

  it('appends a record to the journal and the outbox, and moves the head', () => {
    const extras: RecordExtras = {
      saleId: 'sale-1',
      deviceId: '0011223344556677',
      counter: 9,
      certKey: 'cert-a',
      mode: 'offline',
      scanSource: 'replay',
      scannerId: 'scanner-1',
    };
    const first = append({ amount: 1_200 }, extras);
    expect(store.head()).toEqual({ seq: 1, hash: first.hash, createdAt: first.createdAt });
    expect(db.prepare('SELECT seq FROM outbox').all()).toEqual([{ seq: 1 }]);
    expect(store.recordById(first.id, 0)).toEqual({ ...first, ...extras, outcome: null, acked: false });
    expect(store.recordById(first.id, 1)?.acked).toBe(true);
    expect(store.recordById('no-such-id', 0)).toBeUndefined();

    const second = append();
    expect(second.prevHash).toBe(first.hash);
    expect(store.head()).toEqual({ seq: 2, hash: second.hash, createdAt: second.createdAt });
    expect(db.prepare('SELECT seq FROM outbox ORDER BY seq').all()).toEqual([{ seq: 1 }, { seq: 2 }]);
  });

  it('writes in the caller’s transaction: a rollback leaves neither journal nor outbox row', () => {
    append();
    const before = store.head();
    expect(() =>
      store.transaction(() => {
        store.appendRecord(nextRecord({ amount: 5_000 }), NO_EXTRAS);
        expect(count('journal')).toBe(2); // visible inside the transaction
        throw new Error('the sale failed after the record was written');
      }),
    ).toThrow('the sale failed');
    expect(store.head()).toEqual(before);
    expect(count('journal')).toBe(1);
    expect(count('outbox')).toBe(1);
  });

  it('refuses a second record at the same seq and keeps the first', () => {
    const first = append();
    const clash = sealRecord(nodeEd25519, SEED, { ...first, id: uuidv7(T0, (n) => new Uint8Array(n).fill(0xee)), amount: 999 });
    expect(() => store.transaction(() => store.appendRecord(clash, NO_EXTRAS))).toThrow();
    expect(store.head()).toEqual({ seq: 1, hash: first.hash, createdAt: first.createdAt });
    expect(count('outbox')).toBe(1);
  });
});

describe('TerminalStore seen tokens', () => {
  it('remembers (device id, counter) pairs', () => {
    store.transaction(() => store.rememberToken('0011223344556677', 5, 1_000, 1));
    expect(store.hasSeenToken('0011223344556677', 5)).toBe(true);
    expect(store.hasSeenToken('0011223344556677', 6)).toBe(false);
    expect(store.hasSeenToken('8899aabbccddeeff', 5)).toBe(false);
    expect(() => store.transaction(() => store.rememberToken('0011223344556677', 5, 2_000, 2))).toThrow();
  });

  it('prunes entries whose keep_until is before now, and keeps one that ends now', () => {
    store.transaction(() => {
      store.rememberToken('aaaaaaaaaaaaaaaa', 1, 999, 1);
      store.rememberToken('aaaaaaaaaaaaaaaa', 2, 1_000, 2);
      store.rememberToken('aaaaaaaaaaaaaaaa', 3, 1_001, 3);
    });
    expect(store.transaction(() => store.pruneSeenTokens(1_000))).toBe(1);
    expect(store.hasSeenToken('aaaaaaaaaaaaaaaa', 1)).toBe(false);
    expect(store.hasSeenToken('aaaaaaaaaaaaaaaa', 2)).toBe(true);
    expect(store.hasSeenToken('aaaaaaaaaaaaaaaa', 3)).toBe(true);
    expect(store.transaction(() => store.pruneSeenTokens(1_000))).toBe(0);
  });
});

describe('TerminalStore totals', () => {
  /**
   * 1 approved 100 (cert A) · 2 declined 200 (cert A) · 3 approved 300 (cert A) · 4 approved 700
   * (cert B) · 5 refund 50 of #3 · 6 void 100 of #1 · 7 approved 1,000 (cert A, online).
   */
  function seed(): JournalRecord[] {
    const p1 = append({ amount: 100 }, { certKey: 'A' });
    const p2 = append({ amount: 200, decision: 'declined', reason: 'replayed' }, { certKey: 'A' });
    const p3 = append({ amount: 300 }, { certKey: 'A' });
    const p4 = append({ amount: 700 }, { certKey: 'B' });
    const r5 = append({ kind: 'refund', amount: 50, ref: p3.id });
    const v6 = append({ kind: 'void', amount: 100, ref: p1.id });
    const p7 = append({ amount: 1_000, authorization: 'auth-7' }, { certKey: 'A', mode: 'online' });
    return [p1, p2, p3, p4, r5, v6, p7];
  }

  it('unsyncedApproved counts only approved payments above ackedSeq', () => {
    seed();
    expect(store.unsyncedApproved(1)).toEqual({ count: 3, amount: 2_000 });
    expect(store.unsyncedApproved(3)).toEqual({ count: 2, amount: 1_700 });
    expect(store.unsyncedApproved(4)).toEqual({ count: 1, amount: 1_000 });
    expect(store.unsyncedApproved(7)).toEqual({ count: 0, amount: 0 });
  });

  it('unsyncedApproved is zero on an empty journal', () => {
    expect(store.unsyncedApproved(0)).toEqual({ count: 0, amount: 0 });
  });

  it('certificateTotal sums one certificate’s approved payments above ackedSeq', () => {
    seed();
    expect(store.certificateTotal('A', 0)).toBe(1_400);
    expect(store.certificateTotal('A', 1)).toBe(1_300);
    expect(store.certificateTotal('A', 3)).toBe(1_000);
    expect(store.certificateTotal('A', 7)).toBe(0);
    expect(store.certificateTotal('B', 1)).toBe(700);
    expect(store.certificateTotal('C', 0)).toBe(0);
  });

  it('refundsOf sums the refunds of a payment and isVoided finds its void', () => {
    const [p1, , p3, p4] = seed();
    expect(store.refundsOf(p3!.id)).toEqual({ total: 50, count: 1 });
    append({ kind: 'refund', amount: 25, ref: p3!.id });
    expect(store.refundsOf(p3!.id)).toEqual({ total: 75, count: 2 });
    expect(store.refundsOf(p1!.id)).toEqual({ total: 0, count: 0 }); // a void is not a refund
    expect(store.refundsOf(p4!.id)).toEqual({ total: 0, count: 0 });
    expect(store.isVoided(p1!.id)).toBe(true);
    expect(store.isVoided(p3!.id)).toBe(false); // a refund is not a void
    expect(store.isVoided(p4!.id)).toBe(false);
  });

  it('page lists records before a seq, newest first, up to the limit', () => {
    const records = seed();
    const top = store.page(Number.MAX_SAFE_INTEGER, 3, 2);
    expect(top.map((r) => r.seq)).toEqual([7, 6, 5]);
    expect(top[0]).toMatchObject({ ...records[6], certKey: 'A', mode: 'online', acked: false });
    const rest = store.page(5, 10, 2);
    expect(rest.map((r) => [r.seq, r.acked])).toEqual([
      [4, false],
      [3, false],
      [2, true],
      [1, true],
    ]);
    expect(store.page(1, 10, 0)).toEqual([]);
    expect(store.page(8, 0, 0)).toEqual([]);
  });
});

describe('TerminalStore sync state', () => {
  it('starts at the genesis head with nothing measured', () => {
    expect(store.syncState()).toEqual({
      ackedSeq: 0,
      ackedHash: GENESIS_HASH,
      lastAckSyncAt: null,
      offlineSince: null,
      clockOffsetMs: null,
      clockMeasuredAt: null,
    });
  });

  it('updateSyncState changes only the columns it is given', () => {
    store.updateSyncState({ lastAckSyncAt: 1_764_115_200 });
    expect(store.syncState()).toEqual({
      ackedSeq: 0,
      ackedHash: GENESIS_HASH,
      lastAckSyncAt: 1_764_115_200,
      offlineSince: null,
      clockOffsetMs: null,
      clockMeasuredAt: null,
    });
    store.updateSyncState({ ackedSeq: 5, ackedHash: 'ab'.repeat(32), clockOffsetMs: -250, clockMeasuredAt: T0 });
    store.updateSyncState({ offlineSince: 1_764_115_300, clockOffsetMs: undefined });
    expect(store.syncState()).toEqual({
      ackedSeq: 5,
      ackedHash: 'ab'.repeat(32),
      lastAckSyncAt: 1_764_115_200,
      offlineSince: 1_764_115_300,
      clockOffsetMs: -250,
      clockMeasuredAt: T0,
    });
    store.updateSyncState({ offlineSince: null });
    expect(store.syncState()).toMatchObject({ offlineSince: null, lastAckSyncAt: 1_764_115_200, ackedSeq: 5 });
    store.updateSyncState({});
    expect(store.syncState()).toMatchObject({ offlineSince: null, lastAckSyncAt: 1_764_115_200, ackedSeq: 5, clockOffsetMs: -250 });
  });
});

describe('TerminalStore trust bundle, scanners and config', () => {
  const bundle = (serial: number): SignedTrustBundle => ({
    format: 'tegata-trust/1',
    delegation: { payload: `delegation-${serial}`, signature: 'sig-d' },
    payload: `payload-${serial}`,
    signature: `sig-${serial}`,
  });

  it('round-trips the trust bundle and replaces it as a whole', () => {
    expect(store.trustBundleJson()).toBeNull();
    store.putTrustBundle(42, 1_764_000_000, 1_765_000_000, bundle(42), T0);
    expect(store.trustBundleJson()).toEqual(bundle(42));
    store.putTrustBundle(43, 1_764_100_000, 1_765_100_000, bundle(43), T0 + 1);
    expect(store.trustBundleJson()).toEqual(bundle(43));
    expect(db.prepare('SELECT serial, issued_at, expires_at, stored_at FROM trust').all()).toEqual([
      { serial: 43, issued_at: 1_764_100_000, expires_at: 1_765_100_000, stored_at: T0 + 1 },
    ]);
  });

  it('round-trips scanner configs in id order, replaces and deletes them', () => {
    expect(store.scannerConfigs()).toEqual([]);
    store.putScanner('wedge-2', { kind: 'wedge', id: 'wedge-2' });
    store.putScanner('serial-1', { kind: 'serial', id: 'serial-1', path: '/dev/ttyUSB0', baudRate: 9600 });
    expect(store.scannerConfigs()).toEqual([
      { kind: 'serial', id: 'serial-1', path: '/dev/ttyUSB0', baudRate: 9600 },
      { kind: 'wedge', id: 'wedge-2' },
    ]);
    store.putScanner('serial-1', { kind: 'serial', id: 'serial-1', path: '/dev/ttyUSB1', baudRate: 115200 });
    expect(store.scannerConfigs()[0]).toEqual({ kind: 'serial', id: 'serial-1', path: '/dev/ttyUSB1', baudRate: 115200 });
    expect(store.deleteScanner('serial-1')).toBe(true);
    expect(store.deleteScanner('serial-1')).toBe(false);
    expect(store.scannerConfigs()).toEqual([{ kind: 'wedge', id: 'wedge-2' }]);
  });

  it('round-trips config values', () => {
    expect(store.config('language')).toBeUndefined();
    store.putConfig('language', 'ja');
    store.putConfig('language', 'en');
    expect(store.config('language')).toBe('en');
  });
});
