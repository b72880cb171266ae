import { z } from 'zod';
import type { TerminalReason } from '@tegata/protocol';
import type { ScannerProblem, ScanSource } from '../scan/scanEvent.js';

/**
 * The one typed API of the terminal core (STYLE.md habit 2). The loopback HTTP API, the
 * Electron IPC bridge and the renderer client all derive from `terminalApi`'s keys; inputs are
 * validated with these schemas wherever bytes enter.
 */

const amount = z.number().int().min(1).max(0xffffffff);
const currency = z.number().int().min(0).max(999);
const id = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a lowercase UUIDv7');

export const scannerConfigSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    kind: z.enum(['serial', 'wedge']),
    enabled: z.boolean().default(true),
    /** Serial port path (e.g. /dev/ttyACM0, COM3); serial scanners only. */
    path: z.string().min(1).optional(),
    /** Preferred match for reconnecting after an unplug; falls back to `path`. */
    match: z
      .object({ vendorId: z.string().optional(), productId: z.string().optional(), serialNumber: z.string().optional() })
      .strict()
      .optional(),
    baudRate: z.number().int().min(300).max(4_000_000).default(9600),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
    /** What ends one read. */
    terminator: z.enum(['CR', 'LF', 'CRLF', 'TAB']).default('CR'),
    /** Fixed text the scanner is configured to send before each read, stripped. */
    prefix: z.string().max(16).default(''),
    /** Fixed text before the terminator, stripped. */
    suffix: z.string().max(16).default(''),
    /** Keyboard layout the host is set to, for keyboard-wedge scanners. */
    layout: z.enum(['us', 'de', 'fr']).default('us'),
  })
  .strict();
export type ScannerConfig = z.infer<typeof scannerConfigSchema>;

export const terminalApi = {
  status: { mutates: false, input: z.object({}).strict() },
  startSale: { mutates: true, input: z.object({ amount, currency }).strict() },
  cancelSale: { mutates: true, input: z.object({}).strict() },
  /** A scan typed or pasted by hand, or replayed; scanners feed the core directly. */
  submitScan: {
    mutates: true,
    input: z
      .object({
        text: z.string().max(8192),
        source: z.enum(['serial', 'wedge', 'camera', 'replay']).default('replay'),
        deviceId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).default('manual'),
      })
      .strict(),
  },
  refund: { mutates: true, input: z.object({ paymentId: id, amount }).strict() },
  voidPayment: { mutates: true, input: z.object({ paymentId: id }).strict() },
  history: {
    mutates: false,
    input: z.object({ limit: z.number().int().min(1).max(500).default(50), beforeSeq: z.number().int().min(1).optional() }).strict(),
  },
  listScanners: { mutates: false, input: z.object({}).strict() },
  configureScanner: { mutates: true, input: scannerConfigSchema },
  removeScanner: { mutates: true, input: z.object({ id: z.string() }).strict() },
  /**
   * The technician's test: the next read from that scanner is shown with its exact bytes and
   * what the pipeline made of it, and never reaches a sale or the journal.
   */
  /**
   * Enrollment, step 1 (technician): the register makes its key, redeems the code at the backend
   * and shows the root key's fingerprint; nothing is pinned until step 2 confirms it.
   */
  enroll: {
    mutates: true,
    input: z
      .object({
        backendUrl: z.string().url().refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL'),
        code: z.string().min(1).max(64),
        name: z.string().trim().min(1).max(100).default('register'),
      })
      .strict(),
  },
  /** Enrollment, step 2: the fingerprint as the admin console shows it. */
  confirmEnrollment: { mutates: true, input: z.object({ fingerprint: z.string().min(1).max(200) }).strict() },
  cancelEnrollment: { mutates: true, input: z.object({}).strict() },
  /** The cashier's "Sync now". */
  syncNow: { mutates: true, input: z.object({}).strict() },
  testScanner: {
    mutates: true,
    input: z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), timeoutMs: z.number().int().min(100).max(120_000).default(30_000) }).strict(),
  },
} as const;

export type TerminalApiSpec = typeof terminalApi;
export type TerminalMethod = keyof TerminalApiSpec;
export type ApiInput<M extends TerminalMethod> = z.input<TerminalApiSpec[M]['input']>;
export type ApiParsedInput<M extends TerminalMethod> = z.output<TerminalApiSpec[M]['input']>;

export type SaleView =
  | { state: 'idle' }
  | { state: 'awaiting_scan'; saleId: string; amount: number; currency: number; startedAt: number }
  | { state: 'verifying'; saleId: string; amount: number; currency: number; startedAt: number }
  | { state: 'approved'; saleId: string; amount: number; currency: number; startedAt: number; record: RecordView }
  | { state: 'declined'; saleId: string; amount: number; currency: number; startedAt: number; record: RecordView };

/** A journal record as the cashier and the history screen see it: no full token, ever. */
export interface RecordView {
  id: string;
  seq: number;
  kind: 'payment' | 'refund' | 'void';
  createdAt: number;
  amount: number;
  currency: number;
  decision: 'approved' | 'declined';
  /** A §4 reason code, or a backend reason for an online decline. */
  reason: string | null;
  ref: string | null;
  /** `TG1ABCD…WXYZ`, enough to tell codes apart, useless to replay. */
  tokenShort: string | null;
  /** First 8 hex characters of the device id, when the scan decoded. */
  deviceShort: string | null;
  mode: 'online' | 'offline' | null;
  /** Settlement outcome code from the backend once known (PROTOCOL.md §8). */
  outcome: string | null;
  /** The outcome in plain words (`shared/outcomeText.ts`). */
  outcomeText: string | null;
  /** True once the backend acknowledged the record. */
  synced: boolean;
}

export type ScanOutcome =
  /** The scan decided the awaiting sale; the record is on disk. */
  | { kind: 'decision'; sale: SaleView; record: RecordView }
  /** No sale awaits a scan: shown, not journaled. */
  | { kind: 'no_sale'; paymentCode: boolean; preview: string }
  /** Dropped as a repeat of the last read within the duplicate window. */
  | { kind: 'duplicate' };

export interface TerminalStatus {
  terminalId: string | null;
  now: number;
  online: boolean;
  lastSyncAt: number | null;
  offlineSince: number | null;
  pending: { count: number; amountByCurrency: Record<string, number> };
  clock: { trusted: boolean; offsetMs: number | null; measuredAt: number | null };
  trust: { serial: number | null; expiresAt: number | null };
  /** Stage A gates (PROTOCOL.md §4) that are closed now: offline approvals are unavailable. */
  closedGates: TerminalReason[];
  restoredFromBackup: boolean;
  /** Records the backend refused; sync of later records waits until they are resolved. */
  rejectedRecords: { id: string; seq: number; code: string }[];
  sale: SaleView;
}

export interface ScannerView extends ScannerConfig {
  status: 'connected' | 'disconnected' | 'reconnecting' | 'disabled' | 'unknown';
  lastProblem: ScannerProblem | null;
}

export interface HistoryPage {
  records: RecordView[];
  nextBeforeSeq: number | null;
}

/** What each method answers. */
export interface TerminalApiOutputs {
  status: TerminalStatus;
  startSale: SaleView;
  cancelSale: SaleView;
  submitScan: ScanOutcome;
  refund: RecordView;
  voidPayment: RecordView;
  history: HistoryPage;
  listScanners: ScannerView[];
  configureScanner: ScannerView;
  removeScanner: { removed: boolean };
  testScanner: ScannerTestResult;
  syncNow: SyncReport;
  enroll: { fingerprint: string };
  confirmEnrollment: { terminalId: string; storeId: string; trustSerial: number };
  cancelEnrollment: { cancelled: boolean };
}

/** What one sync round did. */
export interface SyncReport {
  ok: boolean;
  /** Records the backend accepted (or already had) in this round. */
  sent: number;
  acknowledgedSeq: number;
  /** Records the backend refused: shown to the cashier and the admins, never dropped. */
  rejected: { id: string; seq: number; code: string }[];
  outcomes: number;
  trustSerial: number | null;
  error: string | null;
}

/** What one test read looked like, for the technician. */
export interface ScannerTestResult {
  scannerId: string;
  receivedAt: number;
  byteCount: number;
  /** The bytes as hex; the middle of a payment token is elided (it is a bearer credential). */
  rawHex: string;
  /** What the pipeline made of it: the text (tokens shortened), a duplicate, or a problem. */
  result: { kind: 'text'; preview: string; symbology: string | null; paymentCode: boolean } | { kind: 'duplicate' } | { kind: 'problem'; problem: ScannerProblem };
}

/** The API as callers hold it: every method async, whichever transport is underneath. */
export type TerminalApi = {
  [M in TerminalMethod]: (input: ApiInput<M>) => Promise<ApiResult<TerminalApiOutputs[M]>>;
};

/** The implementation side: inputs arrive parsed (defaults applied) by the transport. */
export type TerminalHandlers = {
  [M in TerminalMethod]: (input: ApiParsedInput<M>) => Promise<ApiResult<TerminalApiOutputs[M]>>;
};

/** Refusals are values (STYLE.md habit 4): a stable code and words for a person. */
export interface ApiError {
  code:
    | 'unknown_method'
    | 'invalid_input'
    | 'no_sale'
    | 'sale_in_progress'
    | 'not_found'
    | 'not_refundable'
    | 'refund_too_large'
    | 'already_voided'
    | 'not_enrolled'
    | 'already_enrolled'
    | 'enrollment_failed'
    | 'busy'
    | 'timeout'
    | 'internal';
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Events pushed to every connected UI. */
export type TerminalEvent =
  | { type: 'scan_received'; source: ScanSource; deviceId: string; at: number; preview: string; symbology: string | null }
  | { type: 'decision'; sale: SaleView; record: RecordView }
  | { type: 'sale_changed'; sale: SaleView }
  | { type: 'status_changed'; status: TerminalStatus }
  | { type: 'scanner_problem'; problem: ScannerProblem }
  | { type: 'scanner_status'; id: string; status: ScannerView['status'] };
