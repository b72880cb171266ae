import type { SaleView, TerminalStatus } from '../../shared/contracts/terminalApi.js';
import type { TerminalStore } from '../store/terminalStore.js';
import type { RegisterState } from './registerState.js';

/** The register's status as the cashier's screen shows it, read now. */
export function registerStatus(parts: { terminalId: string; state: RegisterState; store: TerminalStore; online: () => boolean; sale: SaleView }): TerminalStatus {
  const { state, store } = parts;
  const reading = state.reading();
  const sync = store.syncState();
  const pendingRows = store.pendingByCurrency();
  const trust = state.trust;
  const measurement = state.clock.measurement;
  return {
    terminalId: parts.terminalId,
    now: reading.nowMs,
    online: parts.online(),
    lastSyncAt: sync.lastAckSyncAt,
    offlineSince: sync.offlineSince,
    pending: {
      count: pendingRows.reduce((sum, row) => sum + row.count, 0),
      amountByCurrency: Object.fromEntries(pendingRows.map((row) => [String(row.currency), row.amount])),
    },
    clock: { trusted: reading.trusted, offsetMs: measurement?.offsetMs ?? null, measuredAt: measurement?.measuredAtWallMs ?? null },
    trust: { serial: trust?.serial ?? null, expiresAt: trust?.expiresAt ?? null },
    closedGates: state.gates(reading, 0),
    restoredFromBackup: state.restoredFromBackup,
    rejectedRecords: store.rejectedRecords(),
    sale: parts.sale,
  };
}
