import type { ApiError, RecordView } from '../contracts/terminalApi.js';

/** A sale between its start and its decision. */
export interface ActiveSale {
  saleId: string;
  amount: number;
  currency: number;
  startedAt: number;
}

/** The sale state machine's state (what the cashier's screen shows). */
export type SaleState =
  | { state: 'idle' }
  | ({ state: 'awaiting_scan' | 'verifying' } & ActiveSale)
  | ({ state: 'approved' | 'declined'; record: RecordView } & ActiveSale);

export const IDLE: SaleState = { state: 'idle' };

export type Transition = { ok: true; sale: SaleState } | { ok: false; error: ApiError };

/**
 * The sale state machine, pure: idle → awaiting_scan → verifying → approved | declined, a
 * declined sale awaiting another scan, and a decision that could not be saved returning to
 * awaiting_scan. The core keeps the current state and does the I/O around each step.
 */
/** `begin` names the new sale (id, start time); it is called only when a sale may start. */
export function startSale(sale: SaleState, begin: () => ActiveSale): Transition {
  if (sale.state === 'awaiting_scan' || sale.state === 'verifying') {
    return { ok: false, error: { code: 'sale_in_progress', message: 'A sale is already waiting for a payment code. Cancel it first.' } };
  }
  return { ok: true, sale: { state: 'awaiting_scan', ...begin() } };
}

export function cancelSale(sale: SaleState): Transition {
  if (sale.state === 'verifying') return { ok: false, error: { code: 'busy', message: 'The payment is being checked; it cannot be cancelled now.' } };
  return { ok: true, sale: IDLE };
}

/** The sale a scan decides (one awaiting a scan, or declined and scanned again), or null when none does. */
export function saleAwaitingScan(sale: SaleState): ActiveSale | null {
  if (sale.state !== 'awaiting_scan' && sale.state !== 'declined') return null;
  return { saleId: sale.saleId, amount: sale.amount, currency: sale.currency, startedAt: sale.startedAt };
}

export function verifying(active: ActiveSale): SaleState {
  return { state: 'verifying', ...active };
}

/** The decision is on disk: the sale shows it. */
export function decided(active: ActiveSale, record: RecordView): Extract<SaleState, { record: RecordView }> {
  return { state: record.decision === 'approved' ? 'approved' : 'declined', ...active, record };
}

/** Nothing was committed: the sale waits for a scan again. */
export function notSaved(active: ActiveSale): SaleState {
  return { state: 'awaiting_scan', ...active };
}
