import { createTokenVerifier, decodeTokenText, utf8Encode, type Ed25519, type TokenVerification, uuidv7 } from '@tegata/protocol';
import type {
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
import type { RegisterClock, TimeSources } from '../../shared/clock/registerClock.js';
import { ok, fail } from '../../shared/contracts/apiResult.js';
import { adjustmentEntry, checkAdjustment } from '../../shared/decision/decide.js';
import * as sales from '../../shared/sale/saleMachine.js';
import { IDLE, type SaleState } from '../../shared/sale/saleMachine.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import type { AckedHead, TerminalIdentity } from '../identity/terminalIdentity.js';
import type { ChainHead, TerminalStore } from '../store/terminalStore.js';
import { ChainRecovery } from './chainRecovery.js';
import { EventHub } from './eventHub.js';
import { JournalWriter } from './journalWriter.js';
import { PaymentDecider } from './paymentDecider.js';
import type { Logger, OnlineAuthorizer, ScannerHost, SyncedCore, SyncPort, TrustInstallResult } from './ports.js';
import { scanPreview, toRecordView } from './recordView.js';
import { RegisterState } from './registerState.js';
import { registerStatus } from './registerStatus.js';
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

/**
 * The register's engine: runs the sale state machine (`shared/sale`) and the decisions in the
 * stages of PROTOCOL.md §4 (`shared/decision`) over the store, the clock and the scanners.
 * Every decision is committed (journal + outbox + replay cache, one transaction,
 * synchronous=FULL) before any caller or listener hears of it.
 */
export class TerminalCore implements TerminalHandlers, SyncedCore {
  readonly #store: TerminalStore;
  readonly #identity: TerminalIdentity;
  readonly #random: (length: number) => Uint8Array;
  readonly #logger: Logger;
  readonly #authorizer: OnlineAuthorizer | undefined;
  readonly #sync: SyncPort | undefined;
  readonly #state: RegisterState;
  readonly #journal: JournalWriter;
  readonly #scanners: ScannerRegistry;
  readonly #events: EventHub;
  readonly #chain: ChainRecovery;
  readonly #decider: PaymentDecider;
  #sale: SaleState = IDLE;

  constructor(options: TerminalCoreOptions) {
    this.#store = options.store;
    this.#identity = options.identity;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#events = new EventHub(options.logger);
    this.#authorizer = options.authorizer;
    this.#sync = options.sync;
    this.#state = new RegisterState(options.store, options.identity, options.ed25519, options.time, options.logger, options.ackedHead);
    this.#journal = new JournalWriter(options.store, options.identity, options.ed25519, options.random);
    const parts = { store: options.store, journal: this.#journal, state: this.#state, logger: options.logger, terminalId: options.identity.terminalId };
    this.#chain = new ChainRecovery({ ...parts, headAtStart: this.#journal.head.seq, commit: <T>(fn: () => T): T => this.#commit(fn) });
    const verifier = createTokenVerifier({ ed25519: options.ed25519 });
    this.#decider = new PaymentDecider({ ...parts, verifier, authorizer: options.authorizer, random: options.random, commit: <T>(fn: () => T): T => this.#commit(fn) });
    this.#scanners = new ScannerRegistry(options.store, options.scanners, options.logger, options.duplicateWindowMs);
  }

  // ── events ──────────────────────────────────────────────────────────────

  subscribe(listener: (event: TerminalEvent) => void): () => void {
    return this.#events.subscribe(listener);
  }

  #emit(event: TerminalEvent): void {
    this.#events.emit(event);
  }

  #emitStatus(): void {
    if (this.#events.listening) this.#emit({ type: 'status_changed', status: this.#status() });
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

  /** Compares the backend's head with this chain (§7): see ChainRecovery. */
  reconcileWithBackendHead(head: { seq: number; hash: string }): 'consistent' | 'continued' | 'forked' {
    return this.#chain.reconcile(head, () => this.continueFromBackendHead(head));
  }

  /** After a restore from backup (§7): the records since are sealed again after the backend's head. */
  continueFromBackendHead(head: { seq: number; hash: string }): number {
    const moved = this.#chain.continueFrom(head);
    if (moved === null) return 0;
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
    const online = (): boolean => this.#authorizer?.isOnline() ?? false;
    return registerStatus({ terminalId: this.#identity.terminalId, state: this.#state, store: this.#store, online, sale: this.#sale });
  }

  // ── sales ───────────────────────────────────────────────────────────────

  #setSale(sale: SaleState): void {
    this.#sale = sale;
    this.#emit({ type: 'sale_changed', sale });
  }

  startSale(input: ApiParsedInput<'startSale'>): Promise<ApiResult<SaleView>> {
    return this.#step(
      sales.startSale(this.#sale, () => {
        const { nowMs } = this.#state.reading();
        return { saleId: uuidv7(nowMs, this.#random), amount: input.amount, currency: input.currency, startedAt: nowMs };
      }),
    );
  }

  cancelSale(): Promise<ApiResult<SaleView>> {
    return this.#step(sales.cancelSale(this.#sale));
  }

  #step(transition: sales.Transition): Promise<ApiResult<SaleView>> {
    if (!transition.ok) return Promise.resolve(transition);
    this.#setSale(transition.sale);
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
    const active = sales.saleAwaitingScan(this.#sale);
    if (active === null) {
      const decoded = decodeTokenText(text);
      return { ok: true, value: { kind: 'no_sale', paymentCode: decoded.ok || decoded.reason === 'unsupported_version', preview } };
    }
    this.#setSale(sales.verifying(active));
    try {
      const record = await this.#decider.decide(active, text, event);
      const view = toRecordView({ ...record, outcome: null, acked: false });
      const next = sales.decided(active, view);
      this.#sale = next;
      this.#emit({ type: 'decision', sale: next, record: view });
      this.#emitStatus();
      this.#sync?.nudge();
      return { ok: true, value: { kind: 'decision', sale: next, record: view } };
    } catch (error) {
      // Nothing was committed: the sale waits for a scan again, and the cashier is told.
      this.#logger.error({ err: error, saleId: active.saleId, terminalId: this.#identity.terminalId }, 'decision could not be saved');
      this.#setSale(sales.notSaved(active));
      return { ok: false, error: { code: 'internal', message: 'The payment could not be saved. Nothing was charged; scan again.' } };
    }
  }

  /** Commits a write; the clock never again reads earlier than the newest record (§4). */
  #commit<T>(fn: () => T): T {
    const result = this.#journal.commit(fn);
    this.#state.clock.raiseFloor(this.#journal.head.createdAt);
    return result;
  }

  /** The offline decision a scan would get now, recording nothing (for `tegata-terminal verify --db`). */
  previewOfflineDecision(text: string, amount: number, currency: number): TokenVerification | { ok: false; reason: string } {
    return this.#decider.previewOffline(text, amount, currency);
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
      const facts = { isVoided: () => this.#store.isVoided(paymentId), refunds: () => this.#store.refundsOf(paymentId) };
      const checked = checkAdjustment(payment, facts, kind, amount);
      if (!checked.ok) return checked;
      const { fields, extras } = adjustmentEntry(kind, paymentId, checked);
      const record = this.#journal.append(fields, extras, reading.nowMs, this.#state.trust?.serial ?? 0);
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
