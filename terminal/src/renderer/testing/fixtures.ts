/** Test data for the renderer's component tests (not part of the renderer build). */
import type { RecordView, TerminalStatus } from '../../shared/contracts/terminalApi.js';

export function record(overrides: Partial<RecordView> = {}): RecordView {
  return {
    id: '01890000-0000-7000-8000-000000000001',
    seq: 1,
    kind: 'payment',
    createdAt: Date.UTC(2026, 11, 8, 1, 0),
    amount: 1200,
    currency: 392,
    decision: 'approved',
    reason: null,
    ref: null,
    tokenShort: 'TG1ABCD…WXYZ',
    deviceShort: '0a1b2c3d',
    mode: 'offline',
    outcome: null,
    outcomeText: null,
    synced: false,
    ...overrides,
  };
}

export function terminalStatus(overrides: Partial<TerminalStatus> = {}): TerminalStatus {
  return {
    terminalId: 'term-1',
    now: Date.UTC(2026, 11, 8, 1, 0),
    online: true,
    lastSyncAt: Date.UTC(2026, 11, 8, 0, 55),
    offlineSince: null,
    pending: { count: 0, amountByCurrency: {} },
    clock: { trusted: true, offsetMs: 0, measuredAt: Date.UTC(2026, 11, 8, 0, 55) },
    trust: { serial: 1, expiresAt: Date.UTC(2026, 11, 9) },
    closedGates: [],
    restoredFromBackup: false,
    rejectedRecords: [],
    sale: { state: 'idle' },
    ...overrides,
  };
}
