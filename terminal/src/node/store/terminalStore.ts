import { GENESIS_HASH, type JournalRecord, type SignedTrustBundle } from '@tegata/protocol';
import type { Sqlite } from './openDatabase.js';

/** Local facts stored beside a record (not signed, never sent). */
export interface RecordExtras {
  saleId: string | null;
  deviceId: string | null;
  counter: number | null;
  certKey: string | null;
  mode: 'online' | 'offline' | null;
  scanSource: string | null;
  scannerId: string | null;
}

export interface StoredRecord extends JournalRecord, RecordExtras {
  outcome: string | null;
  acked: boolean;
}

export interface ChainHead {
  seq: number;
  hash: string;
  createdAt: number;
}

interface JournalRow {
  seq: number;
  id: string;
  kind: JournalRecord['kind'];
  created_at: number;
  amount: number;
  currency: number;
  token: string | null;
  decision: JournalRecord['decision'];
  reason: string | null;
  ref: string | null;
  trust_serial: number;
  authorization: string | null;
  prev_hash: string;
  hash: string;
  signature: string;
  sale_id: string | null;
  device_id: string | null;
  counter: number | null;
  cert_key: string | null;
  mode: 'online' | 'offline' | null;
  scan_source: string | null;
  scanner_id: string | null;
  outcome: string | null;
}

export interface SyncStateRow {
  ackedSeq: number;
  ackedHash: string;
  lastAckSyncAt: number | null;
  offlineSince: number | null;
  clockOffsetMs: number | null;
  clockMeasuredAt: number | null;
}

/**
 * Every query the terminal core runs, prepared once. Writes happen only inside the caller's
 * transaction (`store.transaction(fn)`), so a decision and everything it implies commit together.
 */
export class TerminalStore {
  readonly #insertRecord;
  readonly #insertOutbox;
  readonly #insertSeen;
  readonly #findSeen;
  readonly #pruneSeen;
  readonly #head;
  readonly #byId;
  readonly #page;
  readonly #unsynced;
  readonly #pendingByCurrency;
  readonly #certTotal;
  readonly #refundedFor;
  readonly #voidFor;
  readonly #syncState;
  readonly #trust;
  readonly #putTrust;
  readonly #scanners;
  readonly #putScanner;
  readonly #deleteScanner;
  readonly #config;
  readonly #putConfig;
  readonly #outboxBatch;
  readonly #ackOutbox;
  readonly #rejectOutbox;
  readonly #failOutbox;
  readonly #outcome;
  readonly #rejected;
  readonly #hashAt;

  constructor(
    readonly db: Sqlite,
    readonly terminalId: string,
  ) {
    this.#insertRecord = db.prepare(`
      INSERT INTO journal (seq, id, kind, created_at, amount, currency, token, decision, reason, ref, trust_serial,
        authorization, prev_hash, hash, signature, sale_id, device_id, counter, cert_key, mode, scan_source, scanner_id)
      VALUES (@seq, @id, @kind, @createdAt, @amount, @currency, @token, @decision, @reason, @ref, @trustSerial,
        @authorization, @prevHash, @hash, @signature, @saleId, @deviceId, @counter, @certKey, @mode, @scanSource, @scannerId)`);
    this.#insertOutbox = db.prepare<[number]>('INSERT INTO outbox (seq) VALUES (?)');
    this.#insertSeen = db.prepare<[string, number, number, number]>(
      'INSERT INTO seen_tokens (device_id, counter, keep_until, seq) VALUES (?, ?, ?, ?)',
    );
    this.#findSeen = db.prepare<[string, number], { seq: number }>('SELECT seq FROM seen_tokens WHERE device_id = ? AND counter = ?');
    this.#pruneSeen = db.prepare<[number]>('DELETE FROM seen_tokens WHERE keep_until < ?');
    this.#head = db.prepare<[], { seq: number; hash: string; created_at: number }>(
      'SELECT seq, hash, created_at FROM journal ORDER BY seq DESC LIMIT 1',
    );
    this.#byId = db.prepare<[string], JournalRow>('SELECT * FROM journal WHERE id = ?');
    this.#page = db.prepare<[number, number], JournalRow>('SELECT * FROM journal WHERE seq < ? ORDER BY seq DESC LIMIT ?');
    this.#unsynced = db.prepare<[number], { count: number; amount: number | null }>(
      "SELECT count(*) AS count, sum(amount) AS amount FROM journal WHERE seq > ? AND kind = 'payment' AND decision = 'approved'",
    );
    this.#pendingByCurrency = db.prepare<[], { currency: number; count: number; amount: number }>(
      `SELECT j.currency AS currency, count(*) AS count,
         sum(CASE WHEN j.kind = 'payment' AND j.decision = 'approved' THEN j.amount ELSE 0 END) AS amount
       FROM outbox o JOIN journal j ON j.seq = o.seq GROUP BY j.currency`,
    );
    this.#certTotal = db.prepare<[string, number], { total: number | null }>(
      "SELECT sum(amount) AS total FROM journal WHERE cert_key = ? AND seq > ? AND decision = 'approved' AND kind = 'payment'",
    );
    this.#refundedFor = db.prepare<[string], { total: number | null; count: number }>(
      "SELECT sum(amount) AS total, count(*) AS count FROM journal WHERE ref = ? AND kind = 'refund'",
    );
    this.#voidFor = db.prepare<[string], { seq: number }>("SELECT seq FROM journal WHERE ref = ? AND kind = 'void'");
    this.#syncState = db.prepare<[], { acked_seq: number; acked_hash: string; last_ack_sync_at: number | null; offline_since: number | null; clock_offset_ms: number | null; clock_measured_at: number | null }>(
      'SELECT * FROM sync_state WHERE id = 1',
    );
    this.#trust = db.prepare<[], { bundle: string }>('SELECT bundle FROM trust WHERE id = 1');
    this.#putTrust = db.prepare<[number, number, number, string, number]>(
      `INSERT INTO trust (id, serial, issued_at, expires_at, bundle, stored_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET serial = excluded.serial, issued_at = excluded.issued_at,
         expires_at = excluded.expires_at, bundle = excluded.bundle, stored_at = excluded.stored_at`,
    );
    this.#scanners = db.prepare<[], { config: string }>('SELECT config FROM scanners ORDER BY id');
    this.#putScanner = db.prepare<[string, string]>(
      'INSERT INTO scanners (id, config) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET config = excluded.config',
    );
    this.#deleteScanner = db.prepare<[string]>('DELETE FROM scanners WHERE id = ?');
    this.#config = db.prepare<[string], { value: string }>('SELECT value FROM config WHERE key = ?');
    this.#putConfig = db.prepare<[string, string]>(
      'INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#outboxBatch = db.prepare<[number], JournalRow>('SELECT j.* FROM outbox o JOIN journal j ON j.seq = o.seq ORDER BY o.seq LIMIT ?');
    this.#ackOutbox = db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?');
    this.#rejectOutbox = db.prepare<[string, number]>('UPDATE outbox SET rejected_code = ?, attempts = attempts + 1 WHERE seq = ?');
    this.#failOutbox = db.prepare<[string, number]>('UPDATE outbox SET last_error = ?, attempts = attempts + 1 WHERE seq = ?');
    this.#outcome = db.prepare<[string, number, string]>('UPDATE journal SET outcome = ?, outcome_at = ? WHERE id = ?');
    this.#hashAt = db.prepare<[number], { hash: string }>('SELECT hash FROM journal WHERE seq = ?');
    this.#rejected = db.prepare<[], { seq: number; rejected_code: string; id: string }>(
      'SELECT o.seq, o.rejected_code, j.id FROM outbox o JOIN journal j ON j.seq = o.seq WHERE o.rejected_code IS NOT NULL ORDER BY o.seq',
    );
  }

  pendingCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
  }

  /** The oldest records the backend has not acknowledged, in seq order. */
  outboxBatch(limit: number): JournalRecord[] {
    return this.#outboxBatch.all(limit).map((row) => {
      const { saleId: _s, deviceId: _d, counter: _c, certKey: _k, mode: _m, scanSource: _o, scannerId: _i, outcome: _u, acked: _a, ...record } = toStored(row, 0, this.terminalId);
      return record;
    });
  }

  /** The backend's copy of the chain ends at `head`: everything up to it is acknowledged. */
  acknowledge(head: { seq: number; hash: string }, at: number): void {
    this.#ackOutbox.run(head.seq);
    this.updateSyncState({ ackedSeq: head.seq, ackedHash: head.hash, lastAckSyncAt: at, offlineSince: null });
  }

  markRejected(seq: number, code: string): void {
    this.#rejectOutbox.run(code, seq);
  }

  markAttemptFailed(seq: number, error: string): void {
    this.#failOutbox.run(error, seq);
  }

  /** Records the backend refused (shown to the cashier and admins until resolved). */
  rejectedRecords(): { seq: number; id: string; code: string }[] {
    return this.#rejected.all().map((row) => ({ seq: row.seq, id: row.id, code: row.rejected_code }));
  }

  /** The hash of our record at `seq` (the genesis hash at 0), or null when we have none there. */
  hashAt(seq: number): string | null {
    return seq === 0 ? GENESIS_HASH : (this.#hashAt.get(seq)?.hash ?? null);
  }

  applyOutcome(id: string, outcome: string, at: number): void {
    this.#outcome.run(outcome, at, id);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  head(): ChainHead {
    const row = this.#head.get();
    return row === undefined ? { seq: 0, hash: GENESIS_HASH, createdAt: 0 } : { seq: row.seq, hash: row.hash, createdAt: row.created_at };
  }

  /** Appends a sealed record and its outbox row (inside the caller's transaction). */
  appendRecord(record: JournalRecord, extras: RecordExtras): void {
    this.#insertRecord.run({ ...record, ...extras });
    this.#insertOutbox.run(record.seq);
  }

  rememberToken(deviceId: string, counter: number, keepUntil: number, seq: number): void {
    this.#insertSeen.run(deviceId, counter, keepUntil, seq);
  }

  hasSeenToken(deviceId: string, counter: number): boolean {
    return this.#findSeen.get(deviceId, counter) !== undefined;
  }

  pruneSeenTokens(now: number): number {
    return this.#pruneSeen.run(now).changes;
  }

  recordById(id: string, ackedSeq: number): StoredRecord | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toStored(row, ackedSeq, this.terminalId);
  }

  page(beforeSeq: number, limit: number, ackedSeq: number): StoredRecord[] {
    return this.#page.all(beforeSeq, limit).map((row) => toStored(row, ackedSeq, this.terminalId));
  }

  unsyncedApproved(ackedSeq: number): { count: number; amount: number } {
    const row = this.#unsynced.get(ackedSeq);
    return { count: row?.count ?? 0, amount: row?.amount ?? 0 };
  }

  pendingByCurrency(): { currency: number; count: number; amount: number }[] {
    return this.#pendingByCurrency.all();
  }

  /** Approved, not-yet-acknowledged total of one certificate at this terminal (check 15). */
  certificateTotal(certKey: string, ackedSeq: number): number {
    return this.#certTotal.get(certKey, ackedSeq)?.total ?? 0;
  }

  refundsOf(paymentId: string): { total: number; count: number } {
    const row = this.#refundedFor.get(paymentId);
    return { total: row?.total ?? 0, count: row?.count ?? 0 };
  }

  isVoided(paymentId: string): boolean {
    return this.#voidFor.get(paymentId) !== undefined;
  }

  syncState(): SyncStateRow {
    const row = this.#syncState.get();
    if (row === undefined) throw new Error('sync_state row missing: the database was not migrated');
    return {
      ackedSeq: row.acked_seq,
      ackedHash: row.acked_hash,
      lastAckSyncAt: row.last_ack_sync_at,
      offlineSince: row.offline_since,
      clockOffsetMs: row.clock_offset_ms,
      clockMeasuredAt: row.clock_measured_at,
    };
  }

  updateSyncState(patch: Partial<SyncStateRow>): void {
    const columns: Record<keyof SyncStateRow, string> = {
      ackedSeq: 'acked_seq',
      ackedHash: 'acked_hash',
      lastAckSyncAt: 'last_ack_sync_at',
      offlineSince: 'offline_since',
      clockOffsetMs: 'clock_offset_ms',
      clockMeasuredAt: 'clock_measured_at',
    };
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [keyof SyncStateRow, unknown][];
    if (entries.length === 0) return;
    const sql = `UPDATE sync_state SET ${entries.map(([key]) => `${columns[key]} = @${key}`).join(', ')} WHERE id = 1`;
    this.db.prepare(sql).run(Object.fromEntries(entries));
  }

  trustBundleJson(): SignedTrustBundle | null {
    const row = this.#trust.get();
    return row === undefined ? null : (JSON.parse(row.bundle) as SignedTrustBundle);
  }

  putTrustBundle(serial: number, issuedAt: number, expiresAt: number, bundle: SignedTrustBundle, storedAt: number): void {
    this.#putTrust.run(serial, issuedAt, expiresAt, JSON.stringify(bundle), storedAt);
  }

  scannerConfigs(): unknown[] {
    return this.#scanners.all().map((row) => JSON.parse(row.config) as unknown);
  }

  putScanner(id: string, config: unknown): void {
    this.#putScanner.run(id, JSON.stringify(config));
  }

  deleteScanner(id: string): boolean {
    return this.#deleteScanner.run(id).changes > 0;
  }

  deleteConfig(key: string): void {
    this.db.prepare<[string]>('DELETE FROM config WHERE key = ?').run(key);
  }

  /** Every record after `seq`, oldest first, with its local facts (for continuing the chain). */
  recordsAfter(seq: number): StoredRecord[] {
    return this.db
      .prepare<[number], JournalRow>('SELECT * FROM journal WHERE seq > ? ORDER BY seq')
      .all(seq)
      .map((row) => toStored(row, 0, this.terminalId));
  }

  /** Removes records after `seq` (and their outbox rows) so they can be appended again. */
  removeRecordsAfter(seq: number): void {
    this.db.prepare<[number]>('DELETE FROM outbox WHERE seq > ?').run(seq);
    this.db.prepare<[number]>('UPDATE seen_tokens SET seq = 0 WHERE seq > ?').run(seq);
    this.db.prepare<[number]>('DELETE FROM journal WHERE seq > ?').run(seq);
  }

  config(key: string): string | undefined {
    return this.#config.get(key)?.value;
  }

  putConfig(key: string, value: string): void {
    this.#putConfig.run(key, value);
  }
}

function toStored(row: JournalRow, ackedSeq: number, terminalId: string): StoredRecord {
  return {
    id: row.id,
    terminalId,
    seq: row.seq,
    kind: row.kind,
    createdAt: row.created_at,
    amount: row.amount,
    currency: row.currency,
    token: row.token,
    decision: row.decision,
    reason: row.reason,
    ref: row.ref,
    trustSerial: row.trust_serial,
    authorization: row.authorization,
    prevHash: row.prev_hash,
    hash: row.hash,
    signature: row.signature,
    saleId: row.sale_id,
    deviceId: row.device_id,
    counter: row.counter,
    certKey: row.cert_key,
    mode: row.mode,
    scanSource: row.scan_source,
    scannerId: row.scanner_id,
    outcome: row.outcome,
    acked: row.seq <= ackedSeq,
  };
}
