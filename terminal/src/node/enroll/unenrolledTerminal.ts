import { sameFingerprint, type Ed25519 } from '@tegata/protocol';
import type { ApiParsedInput, ApiResult, TerminalHandlers, TerminalStatus } from '../../shared/contracts/terminalApi.js';
import type { TimeSources } from '../../shared/clock/registerClock.js';
import type { Logger } from '../core/ports.js';
import { systemRandom, systemTime } from '../core/systemSources.js';
import { BackendError } from '../sync/backendClient.js';
import { enrollTerminal, EnrollError } from './enrollTerminal.js';

interface Pending {
  fingerprint: string;
  decide(confirmed: boolean | 'mismatch'): void;
  done: Promise<{ terminalId: string; storeId: string; trustSerial: number }>;
}

/**
 * What the local API answers before the register is enrolled: its status says so, enrollment
 * runs in two steps (the technician confirms the root key's fingerprint before it is pinned),
 * and everything else is refused with `not_enrolled`.
 */
export function createUnenrolledTerminal(options: {
  dataDir: string;
  ed25519: Ed25519;
  logger: Logger;
  nowMs: () => number;
  /** The clocks enrollment measures with (default: the system's). */
  time?: TimeSources;
  /** Random bytes for the terminal key (default: the system's, cryptographically secure). */
  random?: (length: number) => Uint8Array;
  /** Called once the register is enrolled, to start the real core. */
  onEnrolled(): Promise<void>;
}): TerminalHandlers {
  let pending: Pending | null = null;
  const notEnrolled = (): Promise<ApiResult<never>> =>
    Promise.resolve({ ok: false, error: { code: 'not_enrolled', message: 'This register is not enrolled yet. A technician enrolls it with a code from the admin console.' } });

  const status = (): TerminalStatus => ({
    terminalId: null,
    now: options.nowMs(),
    online: false,
    lastSyncAt: null,
    offlineSince: null,
    pending: { count: 0, amountByCurrency: {} },
    clock: { trusted: false, offsetMs: null, measuredAt: null },
    trust: { serial: null, expiresAt: null },
    closedGates: ['terminal_offline_too_long', 'trust_stale', 'clock_untrusted'],
    restoredFromBackup: false,
    rejectedRecords: [],
    sale: { state: 'idle' },
  });

  async function enroll(input: ApiParsedInput<'enroll'>): Promise<ApiResult<{ fingerprint: string }>> {
    if (pending !== null) return { ok: false, error: { code: 'busy', message: 'An enrollment is waiting for its fingerprint to be confirmed or cancelled.' } };
    let showFingerprint!: (fingerprint: string) => void;
    const shown = new Promise<string>((resolve) => (showFingerprint = resolve));
    let decide!: (confirmed: boolean | 'mismatch') => void;
    const decision = new Promise<boolean | 'mismatch'>((resolve) => (decide = resolve));
    const done = enrollTerminal({
      dataDir: options.dataDir,
      backendUrl: input.backendUrl,
      code: input.code,
      name: input.name,
      ed25519: options.ed25519,
      logger: options.logger,
      time: options.time ?? systemTime,
      random: options.random ?? systemRandom,
      confirmFingerprint: (fingerprint) => {
        showFingerprint(fingerprint);
        return decision;
      },
    });
    const first = await Promise.race([shown.then((fingerprint) => ({ fingerprint })), done.then(() => null, (error: unknown) => ({ error }))]);
    if (first === null || 'error' in first) {
      return { ok: false, error: { code: 'enrollment_failed', message: describe(first?.error) } };
    }
    pending = { fingerprint: first.fingerprint, decide, done };
    done.catch(() => undefined);
    return { ok: true, value: { fingerprint: first.fingerprint } };
  }

  async function confirmEnrollment(input: ApiParsedInput<'confirmEnrollment'>): Promise<ApiResult<{ terminalId: string; storeId: string; trustSerial: number }>> {
    const current = pending;
    if (current === null) return { ok: false, error: { code: 'not_found', message: 'No enrollment is waiting for confirmation.' } };
    pending = null;
    current.decide(sameFingerprint(current.fingerprint, input.fingerprint) || 'mismatch');
    try {
      const enrolled = await current.done;
      await options.onEnrolled();
      return { ok: true, value: enrolled };
    } catch (error) {
      return { ok: false, error: { code: 'enrollment_failed', message: describe(error) } };
    }
  }

  // Every method listed: one added to the contract does not compile until it is decided here.
  return {
    status: () => Promise.resolve({ ok: true, value: status() }),
    enroll,
    confirmEnrollment,
    cancelEnrollment: () => {
      const current = pending;
      pending = null;
      current?.decide(false);
      return Promise.resolve({ ok: true, value: { cancelled: current !== null } });
    },
    startSale: notEnrolled,
    cancelSale: notEnrolled,
    submitScan: notEnrolled,
    refund: notEnrolled,
    voidPayment: notEnrolled,
    history: notEnrolled,
    listScanners: notEnrolled,
    configureScanner: notEnrolled,
    removeScanner: notEnrolled,
    testScanner: notEnrolled,
    syncNow: notEnrolled,
  };
}

function describe(error: unknown): string {
  if (error instanceof EnrollError || error instanceof BackendError) return error.message;
  return 'Enrollment failed; see the register log.';
}
