import type { ScannerConfig, ScannerView, SyncReport } from '../../shared/contracts/terminalApi.js';
import type { ScannerProblem } from '../../shared/scan/scanEvent.js';

/** pino's shape, so a pino logger fits. */
export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** The online-first step (PROTOCOL.md §4), supplied by sync; absent, every decision is offline. */
export interface OnlineAuthorizer {
  /** The backend answered within the last minute. */
  isOnline(): boolean;
  /** Resolves null when the backend did not answer in time (the offline stages decide). */
  authorize(request: { saleId: string; token: string; amount: number; currency: number }): Promise<
    { authorization: string; decision: 'approved' | 'declined'; reason: string | null } | null
  >;
}

/** Runs the configured scanners (serial ports…); the core stores their configuration. */
export interface ScannerHost {
  apply(configs: readonly ScannerConfig[]): void;
  status(id: string): ScannerView['status'];
  lastProblem(id: string): ScannerProblem | null;
}

/** The sync engine as the core sees it (absent until the register is enrolled with a backend). */
export interface SyncPort {
  syncNow(): Promise<SyncReport>;
  /** A decision was committed: send it soon if online. */
  nudge(): void;
}

/** What installing a trust bundle came to: the serial now in force, or why it was refused. */
export type TrustInstallResult = { ok: true; serial: number } | { ok: false; code: string; message: string };

/**
 * The core as sync sees it: the facts a round learns (clock, trust, the backend's head,
 * progress) are handed to it through these, and nothing else of the core is reachable.
 */
export interface SyncedCore {
  /** Compares the backend's head with this chain (§7). */
  reconcileWithBackendHead(head: { seq: number; hash: string }): 'consistent' | 'continued' | 'forked';
  recordClockMeasurement(offsetMs: number, measuredAtWallMs: number): void;
  /** The serial of the trust bundle in force, null without one. */
  trustSerial(): number | null;
  installTrustBundle(json: unknown): TrustInstallResult;
  /** Records were acknowledged or outcomes pulled: the status changed. */
  recordSyncProgress(): void;
}
