import {
  createTokenVerifier,
  decodeTokenText,
  sha256,
  toHex,
  utf8Encode,
  type DeclineReason,
  type Ed25519,
  type JournalRecord,
  type TokenTextResult,
  type TokenVerification,
  type TokenVerifier,
  uuidv7,
} from '@tegata/protocol';
import type {
  ApiError,
  ApiParsedInput,
  ApiResult,
  HistoryPage,
  RecordView,
  SaleView,
  ScannerTestResult,
  ScannerView,
  ScanOutcome,
  SyncReport,
  TerminalEvent,
  TerminalHandlers,
  TerminalStatus,
} from '../../shared/contracts/terminalApi.js';
import type { ClockReading, RegisterClock, TimeSources } from '../../shared/clock/registerClock.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import type { AckedHead, TerminalIdentity } from '../identity/terminalIdentity.js';
import type { ChainHead, RecordExtras, TerminalStore } from '../store/terminalStore.js';
import { JournalWriter } from './journalWriter.js';
import type { Logger, OnlineAuthorizer, ScannerHost, SyncedCore, SyncPort, TrustInstallResult } from './ports.js';
import { scanPreview, toRecordView } from './recordView.js';
import { RegisterState } from './registerState.js';
import { ScannerRegistry } from './scannerRegistry.js';

export type { Logger, OnlineAuthorizer, ScannerHost, SyncedCore, SyncPort, TrustInstallResult } from './ports.js';

export interface TerminalCoreOptions {
  store: TerminalStore;
  identity: TerminalIdentity;
  ed25519: Ed25519;
  time: TimeSources;
  random: (length: number) => Uint8Array;
  logger: Logger;
  /** The head kept outside the database (§7); the database behind it was restored from a backup. */
  ackedHead: AckedHead | null;
  authorizer?: OnlineAuthorizer;
  sync?: SyncPort;
  scanners?: ScannerHost;
  /** Identical reads within this window are one read. */
  duplicateWindowMs?: number;
}

type ActiveSale = { saleId: string; amount: number; currency: number; startedAt: number };
type SaleState =
  | { state: 'idle' }
  | ({ state: 'awaiting_scan' | 'verifying' } & ActiveSale)
  | ({ state: 'approved' | 'declined'; record: RecordView } & ActiveSale);
type Decided = JournalRecord & RecordExtras;

const IDLE: SaleState = { state: 'idle' };

/**
 * The register's engine: the sale state machine and decisions in the stages of PROTOCOL.md §4.
 * Every decision is committed (journal + outbox + replay cache, one transaction,
 * synchronous=FULL) before any caller or listener hears of it.
 */
export class TerminalCore implements TerminalHandlers, SyncedCore {
  readonly #store: TerminalStore;
  readonly #identity: TerminalIdentity;
  readonly #random: (length: number) => Uint8Array;
  readonly #logger: Logger;
  readonly #verifier: TokenVerifier;
  readonly #authorizer: OnlineAuthorizer | undefined;
  readonly #sync: SyncPort | undefined;
  readonly #state: RegisterState;
  readonly #journal: JournalWriter;
  readonly #scanners: ScannerRegistry;
  readonly #listeners = new Set<(event: TerminalEvent) => void>();
  /** The chain head this process found at start: anything the backend has beyond it was lost here. */
  readonly #headAtStart: number;
  #sale: SaleState = IDLE;

  constructor(options: TerminalCoreOptions) {
    this.#store = options.store;
    this.#identity = options.identity;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#authorizer = options.authorizer;
    this.#sync = options.sync;
    this.#verifier = createTokenVerifier({ ed25519: options.ed25519 });
    this.#state = new RegisterState(options.store, options.identity, options.ed25519, options.time, options.logger, options.ackedHead);
    this.#journal = new JournalWriter(options.store, options.identity, options.ed25519, options.random);
    this.#headAtStart = this.#journal.head.seq;
    this.#scanners = new ScannerRegistry(options.store, options.scanners, options.logger, options.duplicateWindowMs);
  }

  // ── events ──────────────────────────────────────────────────────────────

  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: TerminalEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error, event: event.type }, 'event listener failed');
      }
    }
  }

  #emitStatus(): void {
    if (this.#listeners.size > 0) this.#emit({ type: 'status_changed', status: this.#status() });
  }

  // ── trust, clock and sync facts (from sync, enrollment and dev setup) ──────

  installTrustBundle(json: unknown): TrustInstallResult {
    const result = this.#state.installTrustBundle(json);
    if (result.ok) this.#emitStatus();
    return result;
  }

  recordClockMeasurement(offsetMs: number, measuredAtWallMs: number): void {
    this.#state.recordClockMeasurement(offsetMs, measuredAtWallMs);
    this.#emitStatus();
  }

  recordAcknowledgedSync(at: number): void {
    this.#state.recordAcknowledgedSync(at);
    this.#emitStatus();
  }

  trustSerial(): number | null {
    return this.#state.trust?.serial ?? null;
  }

  /** Sync acknowledged records or pulled outcomes: the status changed. */
  recordSyncProgress(): void {
    this.#emitStatus();
  }

  /** The stored trust bundle JSON, as received. */
  trustBundleJson(): unknown {
    return this.#store.trustBundleJson();
  }

  nowSeconds(): number {
    return this.#state.reading().now;
  }

  /** The register's corrected clock, ms (signed request timestamps use it). */
  nowMs(): number {
    return this.#state.reading().nowMs;
  }

  get restoredFromBackup(): boolean {
    return this.#state.restoredFromBackup;
  }

  /**
   * Compares the backend's head with this chain (§7). Ahead of what this database held at start:
   * restored from a backup, so the register continues from the backend's head. A different hash
   * at the same seq: the chains forked — nothing is sent until a person looks.
   */
  reconcileWithBackendHead(head: { seq: number; hash: string }): 'consistent' | 'continued' | 'forked' {
    if (!this.#state.restoredFromBackup) {
      const ours = this.#store.hashAt(head.seq);
      if (ours === head.hash) return 'consistent';
      // The backend holds records this database never had, or different ones made after this
      // process started: the database was restored, and everything since start is new.
      if (head.seq > this.#journal.head.seq || head.seq > this.#headAtStart) this.#state.markRestored(this.#headAtStart);
    }
    if (this.#state.restoredFromBackup) {
      this.continueFromBackendHead(head);
      return 'continued';
    }
    this.#logger.error({ terminalId: this.#identity.terminalId, backendHead: head.seq }, 'the backend holds a different record at its head seq: the chains forked');
    return 'forked';
  }

  /**
   * After a restore from backup (§7): records made since the restore were never seen by the
   * backend and their seqs collide with its chain, so they are sealed again, in order, after the
   * backend's head; the register then continues from there and offline approvals reopen.
   */
  continueFromBackendHead(head: { seq: number; hash: string }): number {
    const restoredAt = this.#state.restoredAtSeq;
    if (restoredAt === null) return 0;
    const moved = this.#commit(() => {
      const pending = this.#store.recordsAfter(restoredAt);
      this.#store.removeRecordsAfter(restoredAt);
      const lastCreated = pending.reduce((latest, record) => Math.max(latest, record.createdAt), 0);
      this.#journal.continueFrom({ seq: head.seq, hash: head.hash, createdAt: 0 });
      for (const record of pending) {
        const { kind, amount, currency, token, decision, reason, ref, authorization, trustSerial, createdAt } = record;
        this.#journal.append(
          { kind, amount, currency, token, decision, reason, ref, authorization },
          { saleId: record.saleId, deviceId: record.deviceId, counter: record.counter, certKey: record.certKey, mode: record.mode, scanSource: record.scanSource, scannerId: record.scannerId },
          createdAt,
          trustSerial,
        );
      }
      this.#store.updateSyncState({ ackedSeq: head.seq, ackedHash: head.hash });
      this.#state.clearRestored();
      this.#logger.warn({ terminalId: this.#identity.terminalId, backendHead: head.seq, moved: pending.length, lastCreated }, 'continued the chain from the backend head after a restore');
      return pending.length;
    });
    this.#emitStatus();
    return moved;
  }

  enroll(): Promise<ApiResult<{ fingerprint: string }>> {
    return fail('already_enrolled', `This register is already enrolled as ${this.#identity.terminalId}.`);
  }

  confirmEnrollment(): Promise<ApiResult<{ terminalId: string; storeId: string; trustSerial: number }>> {
    return fail('already_enrolled', `This register is already enrolled as ${this.#identity.terminalId}.`);
  }

  cancelEnrollment(): Promise<ApiResult<{ cancelled: boolean }>> {
    return ok({ cancelled: false });
  }

  syncNow(): Promise<ApiResult<SyncReport>> {
    if (this.#sync === undefined) return fail('not_enrolled', 'This register is not connected to a backend, so there is nothing to sync with.');
    return this.#sync.syncNow().then((report) => ({ ok: true, value: report }));
  }

  // ── status ──────────────────────────────────────────────────────────────

  status(): Promise<ApiResult<TerminalStatus>> {
    return ok(this.#status());
  }

  #status(): TerminalStatus {
    const reading = this.#state.reading();
    const sync = this.#store.syncState();
    const pendingRows = this.#store.pendingByCurrency();
    const trust = this.#state.trust;
    const measurement = this.#state.clock.measurement;
    return {
      terminalId: this.#identity.terminalId,
      now: reading.nowMs,
      online: this.#authorizer?.isOnline() ?? false,
      lastSyncAt: sync.lastAckSyncAt,
      offlineSince: sync.offlineSince,
      pending: {
        count: pendingRows.reduce((sum, row) => sum + row.count, 0),
        amountByCurrency: Object.fromEntries(pendingRows.map((row) => [String(row.currency), row.amount])),
      },
      clock: { trusted: reading.trusted, offsetMs: measurement?.offsetMs ?? null, measuredAt: measurement?.measuredAtWallMs ?? null },
      trust: { serial: trust?.serial ?? null, expiresAt: trust?.expiresAt ?? null },
      closedGates: this.#state.gates(reading, 0),
      restoredFromBackup: this.#state.restoredFromBackup,
      rejectedRecords: this.#store.rejectedRecords(),
      sale: this.#sale,
    };
  }

  // ── sales ───────────────────────────────────────────────────────────────

  #setSale(sale: SaleState): void {
    this.#sale = sale;
    this.#emit({ type: 'sale_changed', sale });
  }

  startSale(input: ApiParsedInput<'startSale'>): Promise<ApiResult<SaleView>> {
    if (this.#sale.state === 'awaiting_scan' || this.#sale.state === 'verifying') {
      return fail('sale_in_progress', 'A sale is already waiting for a payment code. Cancel it first.');
    }
    const { nowMs } = this.#state.reading();
    this.#setSale({ state: 'awaiting_scan', saleId: uuidv7(nowMs, this.#random), amount: input.amount, currency: input.currency, startedAt: nowMs });
    return ok(this.#sale);
  }

  cancelSale(): Promise<ApiResult<SaleView>> {
    if (this.#sale.state === 'verifying') return fail('busy', 'The payment is being checked; it cannot be cancelled now.');
    this.#setSale(IDLE);
    return ok(this.#sale);
  }

  /** A scan typed or pasted by hand, or replayed (no framing, no duplicate window). */
  submitScan(input: ApiParsedInput<'submitScan'>): Promise<ApiResult<ScanOutcome>> {
    const { nowMs } = this.#state.reading();
    return this.acceptScan({ source: input.source, deviceId: input.deviceId, receivedAt: nowMs, raw: utf8Encode(input.text) }, input.text);
  }

  /** A read from a scanner: framing stripped, repeats dropped, problems shown, then sold with. */
  async acceptScanEvent(event: ScanEvent): Promise<ApiResult<ScanOutcome> | null> {
    const result = this.#scanners.accept(event);
    if (result === null) return null;
    switch (result.kind) {
      case 'problem':
        this.#emit({ type: 'scanner_problem', problem: result.problem });
        return null;
      case 'duplicate':
        return { ok: true, value: { kind: 'duplicate' } };
      case 'text':
        return this.acceptScan(result.event, result.text, result.symbology);
    }
  }

  /**
   * A scan with its framing stripped: decides the awaiting sale, or reports that none awaits
   * (shown, not journaled, so noise on a scanner line cannot flood the journal).
   */
  async acceptScan(event: ScanEvent, text: string, symbology: string | null = null): Promise<ApiResult<ScanOutcome>> {
    const preview = scanPreview(text);
    this.#emit({ type: 'scan_received', source: event.source, deviceId: event.deviceId, at: event.receivedAt, preview, symbology });
    const sale = this.#sale;
    if (sale.state !== 'awaiting_scan' && sale.state !== 'declined') {
      const decoded = decodeTokenText(text);
      return { ok: true, value: { kind: 'no_sale', paymentCode: decoded.ok || decoded.reason === 'unsupported_version', preview } };
    }
    const active: ActiveSale = { saleId: sale.saleId, amount: sale.amount, currency: sale.currency, startedAt: sale.startedAt };
    this.#setSale({ state: 'verifying', ...active });
    try {
      const record = await this.#decide(active, text, event);
      const view = toRecordView({ ...record, outcome: null, acked: false });
      const next = { state: record.decision === 'approved' ? ('approved' as const) : ('declined' as const), ...active, record: view };
      this.#sale = next;
      this.#emit({ type: 'decision', sale: next, record: view });
      this.#emitStatus();
      this.#sync?.nudge();
      return { ok: true, value: { kind: 'decision', sale: next, record: view } };
    } catch (error) {
      // Nothing was committed: the sale waits for a scan again, and the cashier is told.
      this.#logger.error({ err: error, saleId: active.saleId, terminalId: this.#identity.terminalId }, 'decision could not be saved');
      this.#setSale({ state: 'awaiting_scan', ...active });
      return { ok: false, error: { code: 'internal', message: 'The payment could not be saved. Nothing was charged; scan again.' } };
    }
  }

  /** Online first when the backend is reachable (§4); otherwise, or without an answer, offline. */
  async #decide(sale: ActiveSale, text: string, event: ScanEvent): Promise<Decided> {
    const decoded = decodeTokenText(text);
    if (decoded.ok && this.#authorizer?.isOnline() === true) {
      const answer = await this.#authorizer.authorize({ saleId: sale.saleId, token: decoded.canonical, amount: sale.amount, currency: sale.currency });
      if (answer !== null) {
        return this.#commit(() => {
          const reading = this.#state.reading();
          const approved = answer.decision === 'approved';
          const record = this.#appendPayment(sale, event, decoded.canonical, decoded.bytes, reading, {
            decision: answer.decision,
            reason: approved ? null : (answer.reason ?? 'declined_online'),
            authorization: answer.authorization,
            mode: 'online',
          });
          // An online approval spends the counter here too: the same code must not pass offline later.
          if (approved) this.#remember(decoded.bytes, record.seq, reading);
          return record;
        });
      }
    }
    return this.#commit(() => this.#decideOffline(sale, text, decoded, event));
  }

  /** Commits a write; the clock never again reads earlier than the newest record (§4). */
  #commit<T>(fn: () => T): T {
    const result = this.#journal.commit(fn);
    this.#state.clock.raiseFloor(this.#journal.head.createdAt);
    return result;
  }

  /** Stages A, B and C (§4) and the record, inside the caller's transaction. */
  #decideOffline(sale: ActiveSale, text: string, decoded: TokenTextResult, event: ScanEvent): Decided {
    const reading = this.#state.reading();
    const token = decoded.ok ? decoded.canonical : null;
    const tokenBytes = decoded.ok ? decoded.bytes : null;
    const trust = this.#state.trust;

    let reason: DeclineReason | null = this.#state.gates(reading, sale.amount)[0] ?? (trust === null ? 'trust_stale' : null);
    if (reason === null && trust !== null) {
      const verified = this.#verifier.verify({ text, bundle: trust, now: reading.now, amount: sale.amount, currency: sale.currency });
      if (!verified.ok) reason = verified.reason;
      else if (this.#store.hasSeenToken(verified.fields.deviceId, verified.fields.counter)) reason = 'replayed';
      else if (this.#store.certificateTotal(certificateKey(tokenBytes!), this.#store.syncState().ackedSeq) + sale.amount > verified.fields.cumulativeLimit) {
        reason = 'over_offline_total';
      }
    }
    const record = this.#appendPayment(sale, event, token, tokenBytes, reading, {
      decision: reason === null ? 'approved' : 'declined',
      reason,
      authorization: null,
      mode: 'offline',
    });
    if (reason === null) this.#remember(tokenBytes!, record.seq, reading);
    return record;
  }

  /** Replay cache entry (check 14), kept until issued_at + ttl + 2·skew. */
  #remember(tokenBytes: Uint8Array, seq: number, reading: ClockReading): void {
    const { deviceId, counter, issuedAt, ttl } = tokenIdentity(tokenBytes);
    const skew = this.#state.trust?.policy.clockSkewSeconds ?? 0;
    this.#store.rememberToken(deviceId, counter, issuedAt + ttl + 2 * skew, seq);
    this.#store.pruneSeenTokens(reading.now);
  }

  #appendPayment(
    sale: ActiveSale,
    event: ScanEvent,
    token: string | null,
    tokenBytes: Uint8Array | null,
    reading: ClockReading,
    decision: { decision: 'approved' | 'declined'; reason: string | null; authorization: string | null; mode: 'online' | 'offline' },
  ): Decided {
    const identity = tokenBytes === null ? null : tokenIdentity(tokenBytes);
    return this.#journal.append(
      { kind: 'payment', amount: sale.amount, currency: sale.currency, token, decision: decision.decision, reason: decision.reason, ref: null, authorization: decision.authorization },
      {
        saleId: sale.saleId,
        deviceId: identity?.deviceId ?? null,
        counter: identity?.counter ?? null,
        certKey: tokenBytes === null ? null : certificateKey(tokenBytes),
        mode: decision.mode,
        scanSource: event.source,
        scannerId: event.deviceId,
      },
      reading.nowMs,
      this.#state.trust?.serial ?? 0,
    );
  }

  /**
   * The offline decision a scan would get now, recording nothing: the same code as a real
   * decision in a transaction that rolls back (for `tegata-terminal verify --db`).
   */
  previewOfflineDecision(text: string, amount: number, currency: number): TokenVerification | { ok: false; reason: string } {
    const reading = this.#state.reading();
    const sale: ActiveSale = { saleId: uuidv7(reading.nowMs, this.#random), amount, currency, startedAt: reading.nowMs };
    const event: ScanEvent = { source: 'replay', deviceId: 'preview', receivedAt: reading.nowMs, raw: utf8Encode(text) };
    const record = this.#journal.dryRun(() => this.#decideOffline(sale, text, decodeTokenText(text), event));
    if (record.decision === 'declined') return { ok: false, reason: record.reason ?? 'declined' };
    // Approved: stage B passed, so its fields are what tegata-token verify prints.
    return this.#verifier.verify({ text, bundle: this.#state.trust!, now: reading.now, amount, currency });
  }

  // ── refunds and voids ───────────────────────────────────────────────────

  refund(input: ApiParsedInput<'refund'>): Promise<ApiResult<RecordView>> {
    return this.#adjust(input.paymentId, 'refund', input.amount);
  }

  voidPayment(input: ApiParsedInput<'voidPayment'>): Promise<ApiResult<RecordView>> {
    return this.#adjust(input.paymentId, 'void', null);
  }

  #adjust(paymentId: string, kind: 'refund' | 'void', amount: number | null): Promise<ApiResult<RecordView>> {
    const reading = this.#state.reading();
    const outcome = this.#commit((): ApiResult<RecordView> => {
      const payment = this.#store.recordById(paymentId, this.#store.syncState().ackedSeq);
      if (payment === undefined || payment.kind !== 'payment') return refusal('not_found', 'No payment with that id at this register.');
      if (payment.decision !== 'approved') return refusal('not_refundable', 'That payment was declined; there is nothing to refund.');
      if (this.#store.isVoided(paymentId)) return refusal('already_voided', 'That payment was already voided.');
      const refunds = this.#store.refundsOf(paymentId);
      if (kind === 'void' && refunds.count > 0) return refusal('not_refundable', 'That payment was partly refunded; refund the rest instead of voiding it.');
      const value = amount ?? payment.amount;
      if (kind === 'refund' && refunds.total + value > payment.amount) {
        return refusal('refund_too_large', `At most ${payment.amount - refunds.total} can still be refunded on that payment.`);
      }
      const record = this.#journal.append(
        { kind, amount: value, currency: payment.currency, token: null, decision: 'approved', reason: null, ref: paymentId, authorization: null },
        { saleId: null, deviceId: payment.deviceId, counter: null, certKey: null, mode: null, scanSource: null, scannerId: null },
        reading.nowMs,
        this.#state.trust?.serial ?? 0,
      );
      return { ok: true, value: toRecordView({ ...record, outcome: null, acked: false }) };
    });
    if (outcome.ok) {
      this.#emitStatus();
      this.#sync?.nudge();
    }
    return Promise.resolve(outcome);
  }

  history(input: ApiParsedInput<'history'>): Promise<ApiResult<HistoryPage>> {
    const records = this.#store.page(input.beforeSeq ?? Number.MAX_SAFE_INTEGER, input.limit + 1, this.#store.syncState().ackedSeq);
    const page = records.slice(0, input.limit);
    return ok({ records: page.map(toRecordView), nextBeforeSeq: records.length > input.limit ? (page.at(-1)?.seq ?? null) : null });
  }

  // ── scanners ────────────────────────────────────────────────────────────

  startScanners(): void {
    this.#scanners.start();
  }

  listScanners(): Promise<ApiResult<ScannerView[]>> {
    return ok(this.#scanners.list());
  }

  configureScanner(input: ApiParsedInput<'configureScanner'>): Promise<ApiResult<ScannerView>> {
    return Promise.resolve(this.#scanners.configure(input));
  }

  removeScanner(input: ApiParsedInput<'removeScanner'>): Promise<ApiResult<{ removed: boolean }>> {
    return ok({ removed: this.#scanners.remove(input.id) });
  }

  testScanner(input: ApiParsedInput<'testScanner'>): Promise<ApiResult<ScannerTestResult>> {
    return this.#scanners.test(input);
  }

  reportScannerProblem(problem: ScannerProblem): void {
    this.#emit({ type: 'scanner_problem', problem });
  }

  reportScannerStatus(id: string, status: ScannerView['status']): void {
    this.#emit({ type: 'scanner_status', id, status });
  }

  // ── diagnostics ─────────────────────────────────────────────────────────

  get head(): ChainHead {
    return this.#journal.head;
  }

  get clock(): RegisterClock {
    return this.#state.clock;
  }
}

function ok<T>(value: T): Promise<ApiResult<T>> {
  return Promise.resolve({ ok: true, value });
}

function fail<T>(code: ApiError['code'], message: string): Promise<ApiResult<T>> {
  return Promise.resolve(refusal(code, message));
}

function refusal(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

/** The certificate a token carries, identified by the hash of its 128 bytes. */
function certificateKey(tokenBytes: Uint8Array): string {
  return toHex(sha256(tokenBytes.subarray(2, 130)));
}

/** The replay-relevant fields at their §2/§3 offsets (the token passed the decoder). */
function tokenIdentity(tokenBytes: Uint8Array): { deviceId: string; counter: number; issuedAt: number; ttl: number } {
  const view = new DataView(tokenBytes.buffer, tokenBytes.byteOffset, tokenBytes.byteLength);
  return { deviceId: toHex(tokenBytes.subarray(8, 16)), issuedAt: view.getUint32(130), counter: view.getUint32(134), ttl: view.getUint16(138) };
}
