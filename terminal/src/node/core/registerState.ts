import {
  checkTrustAcceptance,
  verifyTrustBundle,
  type Ed25519,
  type TerminalReason,
  type TrustBundleDocument,
} from '@tegata/protocol';
import { RegisterClock, type ClockReading, type TimeSources } from '../../shared/clock/registerClock.js';
import { closedGates } from '../../shared/policy/stageA.js';
import type { AckedHead, TerminalIdentity } from '../identity/terminalIdentity.js';
import type { TerminalStore } from '../store/terminalStore.js';
import type { Logger, TrustInstallResult } from './ports.js';

const RESTORED_AT_KEY = 'restoredAtSeq';

/**
 * What the register knows about itself: its trust bundle, its clock (PROTOCOL.md §4), whether
 * its database was restored from a backup (§7), and so which stage A gates are closed.
 */
export class RegisterState {
  readonly clock: RegisterClock;
  #trust: TrustBundleDocument | null = null;
  /** The DB head when a restore was detected: records after it were never seen by the backend. */
  #restoredAtSeq: number | null;

  constructor(
    private readonly store: TerminalStore,
    private readonly identity: TerminalIdentity,
    private readonly ed: Ed25519,
    time: TimeSources,
    logger: Logger,
    ackedHead: AckedHead | null,
  ) {
    this.clock = new RegisterClock(time);
    const head = store.head();
    this.clock.raiseFloor(head.createdAt);
    const sync = store.syncState();
    if (sync.clockOffsetMs !== null && sync.clockMeasuredAt !== null) {
      this.clock.setMeasurement({ offsetMs: sync.clockOffsetMs, measuredAtWallMs: sync.clockMeasuredAt }, false);
    }
    const stored = store.config(RESTORED_AT_KEY);
    this.#restoredAtSeq = stored === undefined ? null : Number(stored);
    if (this.#restoredAtSeq === null && ackedHead !== null && (head.seq < ackedHead.seq || sync.ackedSeq < ackedHead.seq)) {
      this.markRestored(head.seq);
      logger.warn(
        { terminalId: identity.terminalId, dbHead: head.seq, ackedSeq: ackedHead.seq },
        'database is behind the acknowledged head: restored from a backup; offline approvals closed',
      );
    }
    const storedBundle = store.trustBundleJson();
    if (storedBundle !== null) {
      const verified = verifyTrustBundle(ed, storedBundle, identity.rootPublicKeys);
      if (verified.ok) this.#useTrust(verified.bundle.document);
      else logger.error({ terminalId: identity.terminalId, detail: verified.detail }, 'stored trust bundle no longer verifies; ignoring it');
    }
  }

  /** Restored from a backup and not yet continued from the backend's head (§7). */
  get restoredFromBackup(): boolean {
    return this.#restoredAtSeq !== null;
  }

  get restoredAtSeq(): number | null {
    return this.#restoredAtSeq;
  }

  /** Persisted, so a restart before the register is back online still knows. */
  markRestored(atSeq: number): void {
    this.#restoredAtSeq = atSeq;
    this.store.transaction(() => this.store.putConfig(RESTORED_AT_KEY, String(atSeq)));
  }

  /** Called inside the transaction that continued the chain from the backend's head. */
  clearRestored(): void {
    this.store.deleteConfig(RESTORED_AT_KEY);
    this.#restoredAtSeq = null;
  }

  get trust(): TrustBundleDocument | null {
    return this.#trust;
  }

  #useTrust(document: TrustBundleDocument): void {
    this.#trust = document;
    this.clock.raiseFloor((document.issuedAt - document.policy.clockSkewSeconds) * 1000);
  }

  /** The register's clock now; untrusted without a bundle (there is no policy to judge it by). */
  reading(): ClockReading {
    const policy = this.#trust?.policy ?? { clockSkewSeconds: 0, maxClockAgeSeconds: 0 };
    const reading = this.clock.read(policy);
    return this.#trust === null ? { ...reading, trusted: false, distrust: reading.distrust ?? 'never_measured' } : reading;
  }

  /** Stage A (§4) for one more payment of `amount`. */
  gates(reading: ClockReading, amount: number): TerminalReason[] {
    const sync = this.store.syncState();
    const unsynced = this.store.unsyncedApproved(sync.ackedSeq);
    const trust = this.#trust;
    return closedGates(
      {
        unsyncedApprovedCount: unsynced.count,
        unsyncedApprovedAmount: unsynced.amount,
        lastAcknowledgedSyncAt: sync.lastAckSyncAt,
        trust: trust === null ? null : { expiresAt: trust.expiresAt, policy: trust.policy },
        clockTrusted: reading.trusted,
        restoredFromBackup: this.restoredFromBackup,
        now: reading.now,
      },
      amount,
    );
  }

  /** Verifies (pinned root), checks acceptance (§5) and stores a trust bundle. */
  installTrustBundle(json: unknown): TrustInstallResult {
    const verified = verifyTrustBundle(this.ed, json, this.identity.rootPublicKeys);
    if (!verified.ok) return { ok: false, code: 'bad_trust_bundle', message: verified.detail };
    const document = verified.bundle.document;
    const reading = this.reading();
    const acceptance = checkTrustAcceptance(this.#trust?.serial ?? null, document, reading.now);
    if (!acceptance.ok) return { ok: false, code: acceptance.code, message: `trust bundle serial ${document.serial} refused: ${acceptance.code}` };
    this.store.transaction(() =>
      this.store.putTrustBundle(document.serial, document.issuedAt, document.expiresAt, verified.bundle.signed, reading.nowMs),
    );
    this.#useTrust(document);
    return { ok: true, serial: document.serial };
  }

  /** A clock measurement from `GET /v1/time`, round-trip corrected. */
  recordClockMeasurement(offsetMs: number, measuredAtWallMs: number): void {
    this.store.transaction(() => this.store.updateSyncState({ clockOffsetMs: offsetMs, clockMeasuredAt: measuredAtWallMs }));
    this.clock.setMeasurement({ offsetMs, measuredAtWallMs }, true);
  }

  /** A sync the backend acknowledged (enrollment counts as one). */
  recordAcknowledgedSync(at: number): void {
    this.store.transaction(() => this.store.updateSyncState({ lastAckSyncAt: at, offlineSince: null }));
  }
}
