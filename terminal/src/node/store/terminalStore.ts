import type { JournalRecord, SignedTrustBundle } from '@tegata/protocol';
import { ConfigTable } from './configTable.js';
import { JournalTable, type ChainHead, type RecordExtras, type StoredRecord } from './journalTable.js';
import type { Sqlite } from './openDatabase.js';
import { OutboxTable } from './outboxTable.js';
import { ReplayCache } from './replayCache.js';
import { ScannerTable } from './scannerTable.js';
import { SyncStateTable, type SyncStateRow } from './syncStateTable.js';
import { TrustTable } from './trustTable.js';

export type { ChainHead, RecordExtras, StoredRecord } from './journalTable.js';
export type { SyncStateRow } from './syncStateTable.js';

/**
 * Every query the terminal core runs, one module per table (journal, outbox, replay cache, sync
 * state, trust, scanners, config), prepared once; this facade is what callers use, and composes
 * the writes that span tables. Writes happen only inside the caller's transaction
 * (`store.transaction(fn)`), so a decision and everything it implies commit together.
 */
export class TerminalStore {
  readonly journal: JournalTable;
  readonly outbox: OutboxTable;
  readonly replayCache: ReplayCache;
  readonly sync: SyncStateTable;
  readonly trust: TrustTable;
  readonly scanners: ScannerTable;
  readonly settings: ConfigTable;

  constructor(
    readonly db: Sqlite,
    readonly terminalId: string,
  ) {
    this.journal = new JournalTable(db, terminalId);
    this.outbox = new OutboxTable(db, this.journal);
    this.replayCache = new ReplayCache(db);
    this.sync = new SyncStateTable(db);
    this.trust = new TrustTable(db);
    this.scanners = new ScannerTable(db);
    this.settings = new ConfigTable(db);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ── journal and outbox ──────────────────────────────────────────────────

  /** Appends a sealed record and its outbox row (inside the caller's transaction). */
  appendRecord(record: JournalRecord, extras: RecordExtras): void {
    this.journal.insert(record, extras);
    this.outbox.add(record.seq);
  }

  head(): ChainHead {
    return this.journal.head();
  }

  /** The hash of our record at `seq` (the genesis hash at 0), or null when we have none there. */
  hashAt(seq: number): string | null {
    return this.journal.hashAt(seq);
  }

  applyOutcome(id: string, outcome: string, at: number): void {
    this.journal.applyOutcome(id, outcome, at);
  }

  recordById(id: string, ackedSeq: number): StoredRecord | undefined {
    return this.journal.byId(id, ackedSeq);
  }

  page(beforeSeq: number, limit: number, ackedSeq: number): StoredRecord[] {
    return this.journal.page(beforeSeq, limit, ackedSeq);
  }

  unsyncedApproved(ackedSeq: number): { count: number; amount: number } {
    return this.journal.unsyncedApproved(ackedSeq);
  }

  /** Approved, not-yet-acknowledged total of one certificate at this terminal (check 15). */
  certificateTotal(certKey: string, ackedSeq: number): number {
    return this.journal.certificateTotal(certKey, ackedSeq);
  }

  refundsOf(paymentId: string): { total: number; count: number } {
    return this.journal.refundsOf(paymentId);
  }

  isVoided(paymentId: string): boolean {
    return this.journal.isVoided(paymentId);
  }

  /** Every record after `seq`, oldest first, with its local facts (for continuing the chain). */
  recordsAfter(seq: number): StoredRecord[] {
    return this.journal.after(seq);
  }

  /** Removes records after `seq` (and their outbox rows) so they can be appended again. */
  removeRecordsAfter(seq: number): void {
    this.outbox.deleteAfter(seq);
    this.replayCache.detachAfter(seq);
    this.journal.deleteAfter(seq);
  }

  pendingCount(): number {
    return this.outbox.count();
  }

  pendingByCurrency(): { currency: number; count: number; amount: number }[] {
    return this.outbox.pendingByCurrency();
  }

  /** The oldest records the backend has not acknowledged, in seq order. */
  outboxBatch(limit: number): JournalRecord[] {
    return this.outbox.batch(limit);
  }

  /** The backend's copy of the chain ends at `head`: everything up to it is acknowledged. */
  acknowledge(head: { seq: number; hash: string }, at: number): void {
    this.outbox.acknowledgeUpTo(head.seq);
    this.sync.update({ ackedSeq: head.seq, ackedHash: head.hash, lastAckSyncAt: at, offlineSince: null });
  }

  markRejected(seq: number, code: string): void {
    this.outbox.markRejected(seq, code);
  }

  markAttemptFailed(seq: number, error: string): void {
    this.outbox.markAttemptFailed(seq, error);
  }

  /** Records the backend refused (shown to the cashier and admins until resolved). */
  rejectedRecords(): { seq: number; id: string; code: string }[] {
    return this.outbox.rejected();
  }

  // ── replay cache ────────────────────────────────────────────────────────

  rememberToken(deviceId: string, counter: number, keepUntil: number, seq: number): void {
    this.replayCache.remember(deviceId, counter, keepUntil, seq);
  }

  hasSeenToken(deviceId: string, counter: number): boolean {
    return this.replayCache.has(deviceId, counter);
  }

  pruneSeenTokens(now: number): number {
    return this.replayCache.prune(now);
  }

  // ── sync state, trust, scanners, config ─────────────────────────────────

  syncState(): SyncStateRow {
    return this.sync.get();
  }

  updateSyncState(patch: Partial<SyncStateRow>): void {
    this.sync.update(patch);
  }

  trustBundleJson(): SignedTrustBundle | null {
    return this.trust.get();
  }

  putTrustBundle(serial: number, issuedAt: number, expiresAt: number, bundle: SignedTrustBundle, storedAt: number): void {
    this.trust.put(serial, issuedAt, expiresAt, bundle, storedAt);
  }

  scannerConfigs(): unknown[] {
    return this.scanners.all();
  }

  putScanner(id: string, config: unknown): void {
    this.scanners.put(id, config);
  }

  deleteScanner(id: string): boolean {
    return this.scanners.delete(id);
  }

  config(key: string): string | undefined {
    return this.settings.get(key);
  }

  putConfig(key: string, value: string): void {
    this.settings.put(key, value);
  }

  deleteConfig(key: string): void {
    this.settings.delete(key);
  }
}
