import type { TimeSources } from '../../shared/clock/registerClock.js';
import type { SyncReport } from '../../shared/contracts/terminalApi.js';
import { RegisterClock } from '../../shared/clock/registerClock.js';
import type { Logger, OnlineAuthorizer, SyncedCore, SyncPort } from '../core/ports.js';
import { writeAckedHead } from '../identity/terminalIdentity.js';
import type { TerminalStore } from '../store/terminalStore.js';
import { BackendError, type BackendClient } from './backendClient.js';

export interface SyncTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SyncEngineOptions {
  /** The core's side of sync (TerminalCore implements it). */
  core: SyncedCore;
  store: TerminalStore;
  client: BackendClient;
  dataDir: string;
  logger: Logger;
  time: TimeSources;
  /** [0, 1) for backoff jitter; injected so tests are deterministic. */
  random: () => number;
  timers?: SyncTimers;
  /** Between rounds while everything is fine. */
  intervalMs?: number;
  /** Full-jitter exponential backoff after failures: base and cap. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
  /** Online-first authorization gives the backend this long (PROTOCOL.md §4: 1.5 s). */
  authorizeTimeoutMs?: number;
  batchSize?: number;
  /** After each batch the backend acknowledged: how far the chain is, and how much still waits. */
  onProgress?: (progress: { acknowledgedSeq: number; pending: number }) => void;
}


/** The backend answered within this window: the register is online (§4 "online first"). */
export const ONLINE_WINDOW_MS = 60_000;
const OUTCOMES_CURSOR = 'outcomesCursor';

const realTimers: SyncTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Keeps the register and the backend in agreement (DESIGN.md "Sync"): one round at a time,
 * each measuring the clock, refreshing the trust bundle, sending the outbox in contiguous seq
 * order in batches, and pulling settlement outcomes; exponential backoff with full jitter after
 * failures; an immediate round after each sale while online. Everything it learns is written
 * to the database before it is acted on, so a crash resumes exactly where it stopped.
 */
export class SyncEngine implements OnlineAuthorizer, SyncPort {
  readonly #o: Required<Omit<SyncEngineOptions, 'timers' | 'onProgress'>> & Pick<SyncEngineOptions, 'onProgress'> & { timers: SyncTimers };
  #lastAnswerAt: number | null = null;
  #failures = 0;
  #timer: unknown = null;
  #running: Promise<SyncReport> | null = null;
  #stopped = true;

  constructor(options: SyncEngineOptions) {
    this.#o = {
      timers: realTimers,
      intervalMs: 15_000,
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      requestTimeoutMs: 10_000,
      authorizeTimeoutMs: 1_500,
      batchSize: 500,
      ...options,
    };
  }

  isOnline(): boolean {
    return this.#lastAnswerAt !== null && this.#o.time.wallMs() - this.#lastAnswerAt <= ONLINE_WINDOW_MS;
  }

  async authorize(request: { saleId: string; token: string; amount: number; currency: number }) {
    try {
      const answer = await this.#o.client.authorize(request, this.#o.authorizeTimeoutMs);
      this.#answered();
      return { authorization: answer.authorization, decision: answer.decision, reason: answer.reason ?? null };
    } catch (error) {
      // No answer in time, or one we cannot use: the offline stages decide (one answer to the cashier).
      this.#o.logger.warn({ saleId: request.saleId, err: describe(error) }, 'online authorization unavailable; deciding offline');
      return null;
    }
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops at once: a round waiting on the network is cut short, not waited for. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#o.client.abort();
    await this.#running?.catch(() => undefined);
  }

  /** After a sale: send it now if the backend is reachable. */
  nudge(): void {
    if (!this.#stopped && this.isOnline() && this.#running === null) this.#schedule(0);
  }

  /** The cashier's "Sync now": waits for a round in flight, then runs one. */
  async syncNow(): Promise<SyncReport> {
    await this.#running?.catch(() => undefined);
    return this.#round();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = null;
      void this.#round();
    }, delayMs);
  }

  #round(): Promise<SyncReport> {
    if (this.#running !== null) return this.#running;
    const running = this.#runRound().finally(() => {
      this.#running = null;
    });
    this.#running = running;
    void running.then((report) => {
      if (report.ok) {
        this.#failures = 0;
        this.#schedule(this.#o.store.outboxBatch(1).length > 0 ? 0 : this.#o.intervalMs);
      } else {
        this.#failures++;
        const ceiling = Math.min(this.#o.backoffMaxMs, this.#o.backoffBaseMs * 2 ** Math.min(this.#failures - 1, 30));
        this.#schedule(Math.floor(this.#o.random() * ceiling));
      }
    });
    return running;
  }

  async #runRound(): Promise<SyncReport> {
    const report: SyncReport = { ok: false, sent: 0, acknowledgedSeq: this.#o.store.syncState().ackedSeq, rejected: [], outcomes: 0, trustSerial: null, error: null };
    try {
      await this.#measureClock();
      let revoked: BackendError | null = null;
      try {
        report.trustSerial = await this.#refreshTrust();
        const head = await this.#o.client.head(this.#o.requestTimeoutMs);
        this.#answered();
        if (this.#o.core.reconcileWithBackendHead(head) === 'forked') {
          throw new Error(`the backend's record ${head.seq} differs from this register's: sync stopped until an admin looks`);
        }
      } catch (error) {
        if (!isRevocation(error)) throw error;
        revoked = error;
      }
      // A revoked register still hands over its journal (the backend quarantines it for an admin
      // to review): the sales it made must not stay on a machine nobody trusts. Nothing else.
      await this.#sendOutbox(report);
      if (revoked !== null) throw revoked;
      report.outcomes = await this.#pullOutcomes();
      report.ok = report.rejected.length === 0;
      if (!report.ok) report.error = `the backend refused record ${report.rejected[0]?.seq ?? '?'} (${report.rejected[0]?.code ?? '?'})`;
    } catch (error) {
      report.error = describe(error);
      if (error instanceof BackendError && error.code === 'timestamp_out_of_window' && error.serverTimeMs !== null) {
        // Our clock is far off: take the backend's time from the refusal, then try again.
        this.#o.core.recordClockMeasurement(Math.round(error.serverTimeMs - this.#o.time.wallMs()), this.#o.time.wallMs());
      }
      this.#wentOffline();
      this.#o.logger.warn({ err: report.error }, 'sync round failed');
    }
    return report;
  }

  #answered(): void {
    this.#lastAnswerAt = this.#o.time.wallMs();
  }

  #wentOffline(): void {
    const state = this.#o.store.syncState();
    if (state.offlineSince === null) {
      this.#o.store.transaction(() => this.#o.store.updateSyncState({ offlineSince: Math.floor(this.#o.time.wallMs() / 1000) }));
    }
  }

  async #measureClock(): Promise<void> {
    const sent = this.#o.time.wallMs();
    const serverMs = await this.#o.client.time(this.#o.requestTimeoutMs);
    const received = this.#o.time.wallMs();
    this.#answered();
    const measurement = RegisterClock.measure(sent, received, serverMs);
    this.#o.core.recordClockMeasurement(measurement.offsetMs, measurement.measuredAtWallMs);
  }

  async #refreshTrust(): Promise<number | null> {
    const current = this.#o.core.trustSerial();
    const bundle = await this.#o.client.trust(current, this.#o.requestTimeoutMs);
    this.#answered();
    if (bundle === null) return current;
    const installed = this.#o.core.installTrustBundle(bundle);
    if (!installed.ok) {
      // Keep the old bundle; a refused one (rollback, bad signature) is logged, never used.
      this.#o.logger.error({ code: installed.code, detail: installed.message }, 'trust bundle from the backend refused');
      return current;
    }
    return installed.serial;
  }

  async #sendOutbox(report: SyncReport): Promise<void> {
    for (;;) {
      const batch = this.#o.store.outboxBatch(this.#o.batchSize);
      const now = Math.floor(this.#o.time.wallMs() / 1000);
      if (batch.length === 0) {
        // Nothing waits: the backend just answered us, which counts as an acknowledged sync.
        this.#o.store.transaction(() => this.#o.store.updateSyncState({ lastAckSyncAt: now, offlineSince: null }));
        this.#o.core.recordSyncProgress();
        return;
      }
      const reply = await this.#o.client.journal(batch, this.#o.requestTimeoutMs);
      this.#answered();
      const rejected = reply.results.find((result) => result.status === 'rejected');
      const rejectedSeq = rejected === undefined ? undefined : batch.find((record) => record.id === rejected.id)?.seq;
      const ackedBefore = this.#o.store.syncState().ackedSeq;
      this.#o.store.transaction(() => {
        // The backend's copy of our chain ends at its head; if that is our record, all up to it is safe there.
        if (reply.head.seq > this.#o.store.syncState().ackedSeq && this.#o.store.hashAt(reply.head.seq) === reply.head.hash) {
          this.#o.store.acknowledge(reply.head, now);
        }
        if (rejected !== undefined && rejectedSeq !== undefined) this.#o.store.markRejected(rejectedSeq, rejected.code ?? 'rejected');
      });
      const acked = this.#o.store.syncState();
      writeAckedHead(this.#o.dataDir, { seq: acked.ackedSeq, hash: acked.ackedHash });
      report.acknowledgedSeq = acked.ackedSeq;
      report.sent += reply.results.filter((result) => result.status !== 'rejected').length;
      this.#o.core.recordSyncProgress();
      this.#o.onProgress?.({ acknowledgedSeq: acked.ackedSeq, pending: this.#o.store.pendingCount() });
      if (rejected !== undefined) {
        report.rejected.push({ id: rejected.id, seq: rejectedSeq ?? -1, code: rejected.code ?? 'rejected' });
        this.#o.logger.error({ recordId: rejected.id, seq: rejectedSeq, code: rejected.code }, 'the backend refused a journal record; later records wait');
        return;
      }
      if (acked.ackedSeq === ackedBefore) {
        // An answer that moved nothing forward: wait for the backoff instead of sending it all again.
        throw new Error(`the backend acknowledged none of records ${batch[0]?.seq ?? '?'}–${batch.at(-1)?.seq ?? '?'} (its head is ${reply.head.seq})`);
      }
      if (reply.results.length < batch.length) return;
    }
  }

  async #pullOutcomes(): Promise<number> {
    let cursor = this.#o.store.config(OUTCOMES_CURSOR) ?? '0';
    let applied = 0;
    for (;;) {
      const page = await this.#o.client.outcomes(cursor, this.#o.requestTimeoutMs);
      this.#answered();
      if (page.outcomes.length === 0) return applied;
      this.#o.store.transaction(() => {
        for (const outcome of page.outcomes) this.#o.store.applyOutcome(outcome.id, outcome.outcome, outcome.at);
        this.#o.store.putConfig(OUTCOMES_CURSOR, page.cursor);
      });
      applied += page.outcomes.length;
      if (page.cursor === cursor) return applied;
      cursor = page.cursor;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The backend refused this terminal as revoked (PROTOCOL.md §6: 403 on every signed request but the journal). */
function isRevocation(error: unknown): error is BackendError {
  return error instanceof BackendError && error.status === 403 && error.code === 'terminal_revoked';
}
