import {
  checkTrustAcceptance,
  createTokenVerifier,
  decodeTokenText,
  sealRecord,
  sha256,
  toHex,
  utf8Encode,
  verifyTrustBundle,
  type DeclineReason,
  type Ed25519,
  type JournalRecord,
  type TokenVerification,
  type TokenVerifier,
  type TrustBundleDocument,
} from '@tegata/protocol';
import type {
  ApiError,
  ApiParsedInput,
  ApiResult,
  HistoryPage,
  ScannerConfig,
  ScannerTestResult,
  RecordView,
  SaleView,
  ScannerView,
  ScanOutcome,
  TerminalEvent,
  TerminalHandlers,
  TerminalStatus,
} from '../../shared/contracts/terminalApi.js';
import { scannerConfigSchema } from '../../shared/contracts/terminalApi.js';
import { RegisterClock, type ClockReading, type TimeSources } from '../../shared/clock/registerClock.js';
import { uuidv7 } from '../../shared/ids/uuidv7.js';
import { closedGates } from '../../shared/policy/stageA.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import { createScanPipeline, type ScanPipeline } from '../../shared/scan/scanPipeline.js';
import type { AckedHead, TerminalIdentity } from '../identity/terminalIdentity.js';
import type { ChainHead, RecordExtras, TerminalStore } from '../store/terminalStore.js';
import { scanPreview, scannerTestResult, toRecordView } from './recordView.js';

/** The online-first step (PROTOCOL.md §4), supplied by sync; absent, every decision is offline. */
export interface OnlineAuthorizer {
  /** The backend answered within the last minute. */
  isOnline(): boolean;
  /** Resolves null when the backend did not answer in time (the offline stages decide). */
  authorize(request: { saleId: string; token: string; amount: number; currency: number }): Promise<
    { authorization: string; decision: 'approved' | 'declined'; reason: string | null } | null
  >;
}

export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Runs the configured scanners (serial ports…); the core stores their configuration. */
export interface ScannerHost {
  apply(configs: readonly ScannerConfig[]): void;
  status(id: string): ScannerView['status'];
  lastProblem(id: string): ScannerProblem | null;
}

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
  scanners?: ScannerHost;
  /** Identical reads within this window are one read. */
  duplicateWindowMs?: number;
}

type ActiveSale = { saleId: string; amount: number; currency: number; startedAt: number };
type SaleState =
  | { state: 'idle' }
  | ({ state: 'awaiting_scan' | 'verifying' } & ActiveSale)
  | ({ state: 'approved' | 'declined'; record: RecordView } & ActiveSale);

interface TrustState {
  document: TrustBundleDocument;
}

const IDLE: SaleState = { state: 'idle' };

/**
 * The register's engine: the sale state machine, decisions in the stages of PROTOCOL.md §4,
 * and the journal. Every decision is committed (journal + outbox + replay cache, one
 * transaction, synchronous=FULL) before any caller or listener hears of it.
 */
export class TerminalCore implements TerminalHandlers {
  readonly #store: TerminalStore;
  readonly #identity: TerminalIdentity;
  readonly #ed: Ed25519;
  readonly #random: (length: number) => Uint8Array;
  readonly #logger: Logger;
  readonly #clock: RegisterClock;
  readonly #verifier: TokenVerifier;
  readonly #listeners = new Set<(event: TerminalEvent) => void>();
  readonly #authorizer: OnlineAuthorizer | undefined;
  readonly #restoredFromBackup: boolean;
  readonly #scannerHost: ScannerHost | undefined;
  #trust: TrustState | null = null;
  #head: ChainHead;
  #sale: SaleState = IDLE;
  readonly #pipeline: ScanPipeline;
  #framing = new Map<string, ScannerConfig>();
  readonly #scannerTests = new Map<string, (result: ScannerTestResult) => void>();

  constructor(options: TerminalCoreOptions) {
    this.#store = options.store;
    this.#identity = options.identity;
    this.#ed = options.ed25519;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#authorizer = options.authorizer;
    this.#scannerHost = options.scanners;
    this.#clock = new RegisterClock(options.time);
    this.#verifier = createTokenVerifier({ ed25519: options.ed25519 });
    this.#head = this.#store.head();
    this.#clock.raiseFloor(this.#head.createdAt);

    const sync = this.#store.syncState();
    if (sync.clockOffsetMs !== null && sync.clockMeasuredAt !== null) {
      this.#clock.setMeasurement({ offsetMs: sync.clockOffsetMs, measuredAtWallMs: sync.clockMeasuredAt }, false);
    }
    const acked = options.ackedHead;
    this.#restoredFromBackup = acked !== null && (this.#head.seq < acked.seq || sync.ackedSeq < acked.seq);
    if (this.#restoredFromBackup) {
      this.#logger.warn({ terminalId: this.#identity.terminalId, dbHead: this.#head.seq, ackedSeq: acked?.seq }, 'database is behind the acknowledged head: restored from a backup; offline approvals closed');
    }
    this.#loadTrust();
    this.#pipeline = createScanPipeline({
      ...(options.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: options.duplicateWindowMs }),
      framingFor: (deviceId) => this.#framing.get(deviceId),
    });
  }

  /**
   * A read from a scanner: framing stripped, duplicates dropped, problems shown to the
   * technician, then handed to the sale like any scan.
   */
  async acceptScanEvent(event: ScanEvent): Promise<ApiResult<ScanOutcome> | null> {
    const result = this.#pipeline.accept(event);
    const test = this.#scannerTests.get(event.deviceId);
    if (test !== undefined) {
      this.#scannerTests.delete(event.deviceId);
      test(scannerTestResult(event, result));
      return null;
    }
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

  /** Reports a scanner problem or status change from the scanner host. */
  reportScannerProblem(problem: ScannerProblem): void {
    this.#emit({ type: 'scanner_problem', problem });
  }

  reportScannerStatus(id: string, status: ScannerView['status']): void {
    this.#emit({ type: 'scanner_status', id, status });
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

  // ── trust and clock ─────────────────────────────────────────────────────

  #loadTrust(): void {
    const json = this.#store.trustBundleJson();
    if (json === null) return;
    const verified = verifyTrustBundle(this.#ed, json, this.#identity.rootPublicKeys);
    if (!verified.ok) {
      this.#logger.error({ terminalId: this.#identity.terminalId, detail: verified.detail }, 'stored trust bundle no longer verifies; ignoring it');
      return;
    }
    this.#useTrust(verified.bundle.document);
  }

  #useTrust(document: TrustBundleDocument): void {
    this.#trust = { document };
    this.#clock.raiseFloor((document.issuedAt - document.policy.clockSkewSeconds) * 1000);
  }

  /** Verifies (pinned root), checks acceptance (§5) and stores a trust bundle. */
  installTrustBundle(json: unknown): { ok: true; serial: number } | { ok: false; code: string; message: string } {
    const verified = verifyTrustBundle(this.#ed, json, this.#identity.rootPublicKeys);
    if (!verified.ok) return { ok: false, code: 'bad_trust_bundle', message: verified.detail };
    const document = verified.bundle.document;
    const acceptance = checkTrustAcceptance(this.#trust?.document.serial ?? null, document, this.#reading().now);
    if (!acceptance.ok) return { ok: false, code: acceptance.code, message: `trust bundle serial ${document.serial} refused: ${acceptance.code}` };
    this.#store.transaction(() => {
      this.#store.putTrustBundle(document.serial, document.issuedAt, document.expiresAt, verified.bundle.signed, this.#reading().nowMs);
    });
    this.#useTrust(document);
    this.#emitStatus();
    return { ok: true, serial: document.serial };
  }

  /** Records a clock measurement (from `GET /v1/time`, round-trip corrected). */
  recordClockMeasurement(offsetMs: number, measuredAtWallMs: number): void {
    this.#store.transaction(() => this.#store.updateSyncState({ clockOffsetMs: offsetMs, clockMeasuredAt: measuredAtWallMs }));
    this.#clock.setMeasurement({ offsetMs, measuredAtWallMs }, true);
    this.#emitStatus();
  }

  /** Marks a sync the backend acknowledged (enrollment counts as one). */
  recordAcknowledgedSync(at: number): void {
    this.#store.transaction(() => this.#store.updateSyncState({ lastAckSyncAt: at, offlineSince: null }));
    this.#emitStatus();
  }

  #reading(): ClockReading {
    const policy = this.#trust?.document.policy ?? { clockSkewSeconds: 0, maxClockAgeSeconds: 0 };
    const reading = this.#clock.read(policy);
    return this.#trust === null ? { ...reading, trusted: false, distrust: reading.distrust ?? 'never_measured' } : reading;
  }

  // ── the API ─────────────────────────────────────────────────────────────

  status(): Promise<ApiResult<TerminalStatus>> {
    return ok(this.#status());
  }

  #status(): TerminalStatus {
    const reading = this.#reading();
    const sync = this.#store.syncState();
    const pendingRows = this.#store.pendingByCurrency();
    const trust = this.#trust?.document ?? null;
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
      clock: {
        trusted: reading.trusted,
        offsetMs: this.#clock.measurement?.offsetMs ?? null,
        measuredAt: this.#clock.measurement?.measuredAtWallMs ?? null,
      },
      trust: { serial: trust?.serial ?? null, expiresAt: trust?.expiresAt ?? null },
      closedGates: this.#gates(reading, 0),
      restoredFromBackup: this.#restoredFromBackup,
      sale: this.#saleView(),
    };
  }

  #gates(reading: ClockReading, amount: number): ReturnType<typeof closedGates> {
    const sync = this.#store.syncState();
    const unsynced = this.#store.unsyncedApproved(sync.ackedSeq);
    const trust = this.#trust?.document;
    return closedGates(
      {
        unsyncedApprovedCount: unsynced.count,
        unsyncedApprovedAmount: unsynced.amount,
        lastAcknowledgedSyncAt: sync.lastAckSyncAt,
        trust: trust === undefined ? null : { expiresAt: trust.expiresAt, policy: trust.policy },
        clockTrusted: reading.trusted,
        restoredFromBackup: this.#restoredFromBackup,
        now: reading.now,
      },
      amount,
    );
  }

  #emitStatus(): void {
    if (this.#listeners.size > 0) this.#emit({ type: 'status_changed', status: this.#status() });
  }

  #saleView(): SaleView {
    return this.#sale;
  }

  #setSale(sale: SaleState): void {
    this.#sale = sale;
    this.#emit({ type: 'sale_changed', sale });
  }

  startSale(input: ApiParsedInput<'startSale'>): Promise<ApiResult<SaleView>> {
    if (this.#sale.state === 'awaiting_scan' || this.#sale.state === 'verifying') {
      return fail('sale_in_progress', 'A sale is already waiting for a payment code. Cancel it first.');
    }
    const reading = this.#reading();
    this.#setSale({
      state: 'awaiting_scan',
      saleId: uuidv7(reading.nowMs, this.#random),
      amount: input.amount,
      currency: input.currency,
      startedAt: reading.nowMs,
    });
    return ok(this.#sale);
  }

  cancelSale(): Promise<ApiResult<SaleView>> {
    if (this.#sale.state === 'verifying') {
      return fail('busy', 'The payment is being checked; it cannot be cancelled now.');
    }
    this.#setSale(IDLE);
    return ok(this.#sale);
  }

  /** A scan typed or pasted by hand, or replayed. */
  submitScan(input: ApiParsedInput<'submitScan'>): Promise<ApiResult<ScanOutcome>> {
    const reading = this.#reading();
    return this.acceptScan(
      { source: input.source, deviceId: input.deviceId, receivedAt: reading.nowMs, raw: utf8Encode(input.text) },
      input.text,
    );
  }

  /**
   * A scan whose framing the pipeline has stripped: decides the awaiting sale, or reports that
   * none awaits (shown, not journaled, so scanner noise cannot flood the journal).
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
      const next: SaleState = { state: record.decision === 'approved' ? 'approved' : 'declined', ...active, record: view };
      this.#sale = next;
      this.#emit({ type: 'decision', sale: next as SaleView, record: view });
      this.#emitStatus();
      return { ok: true, value: { kind: 'decision', sale: next as SaleView, record: view } };
    } catch (error) {
      // Nothing was committed: the sale waits for a scan again, and the cashier is told.
      this.#logger.error({ err: error, saleId: active.saleId, terminalId: this.#identity.terminalId }, 'decision could not be saved');
      this.#setSale({ state: 'awaiting_scan', ...active });
      return { ok: false, error: { code: 'internal', message: 'The payment could not be saved. Nothing was charged; scan again.' } };
    }
  }

  async #decide(sale: ActiveSale, text: string, event: ScanEvent): Promise<JournalRecord & RecordExtras> {
    const decoded = decodeTokenText(text);
    const token = decoded.ok ? decoded.canonical : null;
    if (token !== null && this.#authorizer?.isOnline() === true) {
      const answer = await this.#authorizer.authorize({ saleId: sale.saleId, token, amount: sale.amount, currency: sale.currency });
      if (answer !== null) {
        return this.#commit(() =>
          this.#appendPayment(sale, event, token, decoded.ok ? decoded.bytes : null, {
            decision: answer.decision,
            reason: answer.decision === 'approved' ? null : (answer.reason ?? 'declined_online'),
            authorization: answer.authorization,
            mode: 'online',
          }),
        );
      }
    }
    return this.#commit(() => this.#decideOffline(sale, text, event));
  }

  /**
   * The offline decision a scan would get now, without recording anything: the same code as a
   * real decision, run in a transaction that is rolled back (for `tegata-terminal verify --db`).
   */
  previewOfflineDecision(text: string, amount: number, currency: number): TokenVerification | { ok: false; reason: string } {
    const reading = this.#reading();
    const sale: ActiveSale = { saleId: uuidv7(reading.nowMs, this.#random), amount, currency, startedAt: reading.nowMs };
    const event: ScanEvent = { source: 'replay', deviceId: 'preview', receivedAt: sale.startedAt, raw: utf8Encode(text) };
    let record: JournalRecord | undefined;
    try {
      this.#store.transaction(() => {
        throw new PreviewRollback(this.#decideOffline(sale, text, event));
      });
    } catch (error) {
      if (!(error instanceof PreviewRollback)) throw error;
      record = error.record;
    } finally {
      this.#pendingHead = null;
    }
    if (record === undefined || record.decision === 'declined') return { ok: false, reason: record?.reason ?? 'internal' };
    // Approved: stage B passed, so its fields are what tegata-token verify would print.
    return this.#verifier.verify({ text, bundle: this.#trust!.document, now: reading.now, amount, currency });
  }

  /** Stages A, B and C (§4) and the commit, inside one transaction. */
  #decideOffline(sale: ActiveSale, text: string, event: ScanEvent): JournalRecord & RecordExtras {
    const reading = this.#reading();
    const decoded = decodeTokenText(text);
    const token = decoded.ok ? decoded.canonical : null;
    const tokenBytes = decoded.ok ? decoded.bytes : null;
    const trust = this.#trust?.document;

    const stageA = this.#gates(reading, sale.amount);
    let reason: DeclineReason | null = stageA[0] ?? null;
    if (reason === null && trust !== undefined) {
      const verified = this.#verifier.verify({ text, bundle: trust, now: reading.now, amount: sale.amount, currency: sale.currency });
      if (!verified.ok) {
        reason = verified.reason;
      } else {
        const fields = verified.fields;
        const certKey = certificateKey(tokenBytes!);
        if (this.#store.hasSeenToken(fields.deviceId, fields.counter)) reason = 'replayed';
        else if (this.#store.certificateTotal(certKey, this.#store.syncState().ackedSeq) + sale.amount > fields.cumulativeLimit) {
          reason = 'over_offline_total';
        }
        if (reason === null) {
          const record = this.#appendPayment(sale, event, token, tokenBytes, { decision: 'approved', reason: null, authorization: null, mode: 'offline' }, reading);
          const skew = trust.policy.clockSkewSeconds;
          this.#store.rememberToken(fields.deviceId, fields.counter, fields.issuedAt + fields.ttl + 2 * skew, record.seq);
          this.#store.pruneSeenTokens(reading.now);
          return record;
        }
      }
    } else if (reason === null) {
      reason = 'trust_stale';
    }
    return this.#appendPayment(sale, event, token, tokenBytes, { decision: 'declined', reason, authorization: null, mode: 'offline' }, reading);
  }

  #appendPayment(
    sale: ActiveSale,
    event: ScanEvent,
    token: string | null,
    tokenBytes: Uint8Array | null,
    decision: { decision: 'approved' | 'declined'; reason: string | null; authorization: string | null; mode: 'online' | 'offline' },
    reading: ClockReading = this.#reading(),
  ): JournalRecord & RecordExtras {
    const parsed = tokenBytes === null ? null : tokenIdentity(tokenBytes);
    return this.#append(
      {
        kind: 'payment',
        amount: sale.amount,
        currency: sale.currency,
        token,
        decision: decision.decision,
        reason: decision.reason,
        ref: null,
        authorization: decision.authorization,
      },
      {
        saleId: sale.saleId,
        deviceId: parsed?.deviceId ?? null,
        counter: parsed?.counter ?? null,
        certKey: tokenBytes === null ? null : certificateKey(tokenBytes),
        mode: decision.mode,
        scanSource: event.source,
        scannerId: event.deviceId,
      },
      reading,
    );
  }

  /** Seals the next record of the chain and stores it with its outbox row (caller's transaction). */
  #append(
    fields: Pick<JournalRecord, 'kind' | 'amount' | 'currency' | 'token' | 'decision' | 'reason' | 'ref' | 'authorization'>,
    extras: RecordExtras,
    reading: ClockReading,
  ): JournalRecord & RecordExtras {
    const head = this.#head;
    const createdAt = Math.max(reading.nowMs, head.createdAt);
    const record = sealRecord(this.#ed, this.#identity.seed, {
      id: uuidv7(createdAt, this.#random),
      terminalId: this.#identity.terminalId,
      seq: head.seq + 1,
      createdAt,
      trustSerial: this.#trust?.document.serial ?? 0,
      prevHash: head.hash,
      ...fields,
    });
    this.#store.appendRecord(record, extras);
    // Only after the statement succeeded; a rollback of the transaction throws past here.
    this.#pendingHead = { seq: record.seq, hash: record.hash, createdAt };
    return { ...record, ...extras };
  }

  #pendingHead: ChainHead | null = null;

  refund(input: ApiParsedInput<'refund'>): Promise<ApiResult<RecordView>> {
    return this.#adjust(input.paymentId, 'refund', input.amount);
  }

  voidPayment(input: ApiParsedInput<'voidPayment'>): Promise<ApiResult<RecordView>> {
    return this.#adjust(input.paymentId, 'void', null);
  }

  #adjust(paymentId: string, kind: 'refund' | 'void', amount: number | null): Promise<ApiResult<RecordView>> {
    const reading = this.#reading();
    const outcome = this.#commit(() => {
      const ackedSeq = this.#store.syncState().ackedSeq;
      const payment = this.#store.recordById(paymentId, ackedSeq);
      if (payment === undefined || payment.kind !== 'payment') return refusal('not_found', 'No payment with that id at this register.');
      if (payment.decision !== 'approved') return refusal('not_refundable', 'That payment was declined; there is nothing to refund.');
      if (this.#store.isVoided(paymentId)) return refusal('already_voided', 'That payment was already voided.');
      const refunds = this.#store.refundsOf(paymentId);
      if (kind === 'void' && refunds.count > 0) return refusal('not_refundable', 'That payment was partly refunded; refund the rest instead of voiding it.');
      const value = amount ?? payment.amount;
      if (kind === 'refund' && refunds.total + value > payment.amount) {
        return refusal('refund_too_large', `At most ${payment.amount - refunds.total} can still be refunded on that payment.`);
      }
      const record = this.#append(
        { kind, amount: value, currency: payment.currency, token: null, decision: 'approved', reason: null, ref: paymentId, authorization: null },
        { saleId: null, deviceId: payment.deviceId, counter: null, certKey: null, mode: null, scanSource: null, scannerId: null },
        reading,
      );
      return { ok: true as const, value: toRecordView({ ...record, outcome: null, acked: false }) };
    });
    if (outcome.ok) this.#emitStatus();
    return Promise.resolve(outcome);
  }

  /** Runs a write transaction and moves the in-memory head only if it committed. */
  #commit<T>(fn: () => T): T {
    this.#pendingHead = null;
    try {
      const result = this.#store.transaction(fn);
      if (this.#pendingHead !== null) {
        this.#head = this.#pendingHead;
        this.#clock.raiseFloor(this.#head.createdAt);
      }
      return result;
    } finally {
      this.#pendingHead = null;
    }
  }

  history(input: ApiParsedInput<'history'>): Promise<ApiResult<HistoryPage>> {
    const ackedSeq = this.#store.syncState().ackedSeq;
    const records = this.#store.page(input.beforeSeq ?? Number.MAX_SAFE_INTEGER, input.limit + 1, ackedSeq);
    const page = records.slice(0, input.limit);
    return ok({
      records: page.map(toRecordView),
      nextBeforeSeq: records.length > input.limit ? (page.at(-1)?.seq ?? null) : null,
    });
  }

  /** Scanner settings stored in the database; rows an older build wrote are validated on load. */
  #scannerConfigs(): ScannerConfig[] {
    const configs: ScannerConfig[] = [];
    this.#framing = new Map();
    for (const row of this.#store.scannerConfigs()) {
      const parsed = scannerConfigSchema.safeParse(row);
      if (parsed.success) {
        configs.push(parsed.data);
        this.#framing.set(parsed.data.id, parsed.data);
      }
      else this.#logger.warn({ terminalId: this.#identity.terminalId, issue: parsed.error.issues[0]?.message }, 'ignoring an invalid stored scanner configuration');
    }
    return configs;
  }

  /** Starts the stored scanners (call once at start). */
  startScanners(): void {
    this.#scannerHost?.apply(this.#scannerConfigs());
  }

  listScanners(): Promise<ApiResult<ScannerView[]>> {
    return ok(this.#scannerConfigs().map((config) => this.#scannerView(config)));
  }

  configureScanner(input: ApiParsedInput<'configureScanner'>): Promise<ApiResult<ScannerView>> {
    if (input.kind === 'serial' && input.path === undefined && input.match === undefined) {
      return fail('invalid_input', 'A serial scanner needs a port path (see `tegata-terminal ports`) or a vendor/product/serial match.');
    }
    this.#store.transaction(() => this.#store.putScanner(input.id, input));
    this.#scannerHost?.apply(this.#scannerConfigs());
    return ok(this.#scannerView(input));
  }

  removeScanner(input: ApiParsedInput<'removeScanner'>): Promise<ApiResult<{ removed: boolean }>> {
    const removed = this.#store.transaction(() => this.#store.deleteScanner(input.id));
    if (removed) this.#scannerHost?.apply(this.#scannerConfigs());
    return ok({ removed });
  }

  testScanner(input: ApiParsedInput<'testScanner'>): Promise<ApiResult<ScannerTestResult>> {
    if (this.#scannerTests.has(input.id)) return fail('busy', `A test of scanner ${input.id} is already waiting for a read.`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#scannerTests.delete(input.id);
        resolve({ ok: false, error: { code: 'timeout', message: `Scanner ${input.id} sent nothing within ${input.timeoutMs / 1000} s. Is it connected and set to this port?` } });
      }, input.timeoutMs);
      this.#scannerTests.set(input.id, (result) => {
        clearTimeout(timer);
        resolve({ ok: true, value: result });
      });
    });
  }

  #scannerView(config: ScannerConfig): ScannerView {
    return {
      ...config,
      status: !config.enabled ? 'disabled' : (this.#scannerHost?.status(config.id) ?? 'unknown'),
      lastProblem: this.#scannerHost?.lastProblem(config.id) ?? null,
    };
  }

  /** The current chain head (for tests and diagnostics). */
  get head(): ChainHead {
    return this.#head;
  }

  get clock(): RegisterClock {
    return this.#clock;
  }
}

/** Carries a decision out of a transaction so that the transaction rolls back. */
class PreviewRollback extends Error {
  constructor(readonly record: JournalRecord) {
    super('preview');
  }
}

function ok<T>(value: T): Promise<ApiResult<T>> {
  return Promise.resolve({ ok: true, value });
}

function fail<T>(code: ApiError['code'], message: string): Promise<ApiResult<T>> {
  return Promise.resolve({ ok: false, error: { code, message } });
}

function refusal(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

/** The certificate a token carries, identified by the hash of its 128 bytes. */
function certificateKey(tokenBytes: Uint8Array): string {
  return toHex(sha256(tokenBytes.subarray(2, 130)));
}

function tokenIdentity(tokenBytes: Uint8Array): { deviceId: string; counter: number } {
  const view = new DataView(tokenBytes.buffer, tokenBytes.byteOffset, tokenBytes.byteLength);
  return { deviceId: toHex(tokenBytes.subarray(8, 16)), counter: view.getUint32(134) };
}
