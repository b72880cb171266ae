import { decodeTokenText, utf8Encode, type JournalRecord, type TokenTextResult, type TokenVerification, type TokenVerifier, uuidv7 } from '@tegata/protocol';
import type { ClockReading } from '../../shared/clock/registerClock.js';
import { decideOffline, offlineDecision, onlineDecision, paymentEntry, type PaymentDecision } from '../../shared/decision/decide.js';
import { replayEntry } from '../../shared/decision/tokenFacts.js';
import type { ActiveSale } from '../../shared/sale/saleMachine.js';
import type { ScanEvent } from '../../shared/scan/scanEvent.js';
import type { RecordExtras, TerminalStore } from '../store/terminalStore.js';
import type { JournalWriter } from './journalWriter.js';
import type { OnlineAuthorizer } from './ports.js';
import type { RegisterState } from './registerState.js';

export type Decided = JournalRecord & RecordExtras;

export interface PaymentDeciderParts {
  store: TerminalStore;
  journal: JournalWriter;
  state: RegisterState;
  verifier: TokenVerifier;
  authorizer: OnlineAuthorizer | undefined;
  random: (length: number) => Uint8Array;
  /** The core's commit (one transaction; the clock floor follows the newest record). */
  commit: <T>(fn: () => T) => T;
}

/**
 * The I/O around a payment's decision: asks the backend first when online (§4), else reads what
 * stages A–C need from the store and the register state, runs the pure decision
 * (`shared/decision/decide.ts`) and journals its record with the replay cache entry.
 */
export class PaymentDecider {
  readonly #p: PaymentDeciderParts;

  constructor(parts: PaymentDeciderParts) {
    this.#p = parts;
  }

  /** Online first when the backend is reachable (§4); otherwise, or without an answer, offline. */
  async decide(sale: ActiveSale, text: string, event: ScanEvent): Promise<Decided> {
    const decoded = decodeTokenText(text);
    if (decoded.ok && this.#p.authorizer?.isOnline() === true) {
      const answer = await this.#p.authorizer.authorize({ saleId: sale.saleId, token: decoded.canonical, amount: sale.amount, currency: sale.currency });
      if (answer !== null) {
        return this.#p.commit(() => {
          const reading = this.#p.state.reading();
          const record = this.#appendPayment(sale, event, decoded.canonical, decoded.bytes, reading, onlineDecision(answer));
          // An online approval spends the counter here too: the same code must not pass offline later.
          if (answer.decision === 'approved') this.#remember(decoded.bytes, record.seq, reading);
          return record;
        });
      }
    }
    return this.#p.commit(() => this.#decideOffline(sale, text, decoded, event));
  }

  /** Stages A, B and C (§4) and the record, inside the caller's transaction. */
  #decideOffline(sale: ActiveSale, text: string, decoded: TokenTextResult, event: ScanEvent): Decided {
    const reading = this.#p.state.reading();
    const tokenBytes = decoded.ok ? decoded.bytes : null;
    const reason = decideOffline(
      this.#p.verifier,
      {
        closedGates: this.#p.state.gates(reading, sale.amount),
        trust: this.#p.state.trust,
        now: reading.now,
        hasSeenToken: (deviceId, counter) => this.#p.store.hasSeenToken(deviceId, counter),
        certificateTotal: (certKey) => this.#p.store.certificateTotal(certKey, this.#p.store.syncState().ackedSeq),
      },
      sale,
      text,
      tokenBytes,
    );
    const record = this.#appendPayment(sale, event, decoded.ok ? decoded.canonical : null, tokenBytes, reading, offlineDecision(reason));
    if (reason === null) this.#remember(tokenBytes!, record.seq, reading);
    return record;
  }

  /** Replay cache entry (check 14), kept until issued_at + ttl + 2·skew. */
  #remember(tokenBytes: Uint8Array, seq: number, reading: ClockReading): void {
    const { deviceId, counter, keepUntil } = replayEntry(tokenBytes, this.#p.state.trust?.policy.clockSkewSeconds ?? 0);
    this.#p.store.rememberToken(deviceId, counter, keepUntil, seq);
    this.#p.store.pruneSeenTokens(reading.now);
  }

  #appendPayment(sale: ActiveSale, event: ScanEvent, token: string | null, tokenBytes: Uint8Array | null, reading: ClockReading, decision: PaymentDecision): Decided {
    const { fields, extras } = paymentEntry(sale, event, token, tokenBytes, decision);
    return this.#p.journal.append(fields, extras, reading.nowMs, this.#p.state.trust?.serial ?? 0);
  }

  /**
   * The offline decision a scan would get now, recording nothing: the same code as a real
   * decision in a transaction that rolls back (for `tegata-terminal verify --db`).
   */
  previewOffline(text: string, amount: number, currency: number): TokenVerification | { ok: false; reason: string } {
    const reading = this.#p.state.reading();
    const sale: ActiveSale = { saleId: uuidv7(reading.nowMs, this.#p.random), amount, currency, startedAt: reading.nowMs };
    const event: ScanEvent = { source: 'replay', deviceId: 'preview', receivedAt: reading.nowMs, raw: utf8Encode(text) };
    const record = this.#p.journal.dryRun(() => this.#decideOffline(sale, text, decodeTokenText(text), event));
    if (record.decision === 'declined') return { ok: false, reason: record.reason ?? 'declined' };
    // Approved: stage B passed, so its fields are what tegata-token verify prints.
    return this.#p.verifier.verify({ text, bundle: this.#p.state.trust!, now: reading.now, amount, currency });
  }
}
