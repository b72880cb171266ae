import { describe, expect, it } from 'vitest';
import type { RecordView } from '../contracts/terminalApi.js';
import { cancelSale, decided, IDLE, notSaved, saleAwaitingScan, startSale, verifying, type ActiveSale, type SaleState } from './saleMachine.js';

const ACTIVE: ActiveSale = { saleId: 'sale-1', amount: 500, currency: 392, startedAt: 1_000 };

function record(decision: 'approved' | 'declined'): RecordView {
  return {
    id: 'rec-1', seq: 1, kind: 'payment', createdAt: 1_001, amount: 500, currency: 392, decision, reason: decision === 'approved' ? null : 'replayed',
    ref: null, tokenShort: null, deviceShort: null, mode: 'offline', outcome: null, outcomeText: null, synced: false,
  };
}

describe('the sale machine', () => {
  it('starts a sale from idle, naming it only then', () => {
    let named = 0;
    const begin = (): ActiveSale => {
      named++;
      return ACTIVE;
    };
    expect(startSale(IDLE, begin)).toEqual({ ok: true, sale: { state: 'awaiting_scan', ...ACTIVE } });
    expect(named).toBe(1);
    for (const busy of [{ state: 'awaiting_scan', ...ACTIVE }, verifying(ACTIVE)] as SaleState[]) {
      const refused = startSale(busy, begin);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('sale_in_progress');
    }
    expect(named).toBe(1);
    expect(startSale(decided(ACTIVE, record('approved')), begin).ok).toBe(true);
  });

  it('cancels anything but a payment being checked', () => {
    expect(cancelSale({ state: 'awaiting_scan', ...ACTIVE })).toEqual({ ok: true, sale: IDLE });
    const refused = cancelSale(verifying(ACTIVE));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('busy');
  });

  it('decides a sale awaiting a scan, or a declined one scanned again', () => {
    expect(saleAwaitingScan(IDLE)).toBeNull();
    expect(saleAwaitingScan(verifying(ACTIVE))).toBeNull();
    expect(saleAwaitingScan(decided(ACTIVE, record('approved')))).toBeNull();
    expect(saleAwaitingScan({ state: 'awaiting_scan', ...ACTIVE })).toEqual(ACTIVE);
    expect(saleAwaitingScan(decided(ACTIVE, record('declined')))).toEqual(ACTIVE);
  });

  it('shows the decision, or waits again when it could not be saved', () => {
    expect(decided(ACTIVE, record('approved')).state).toBe('approved');
    expect(decided(ACTIVE, record('declined')).state).toBe('declined');
    expect(notSaved(ACTIVE)).toEqual({ state: 'awaiting_scan', ...ACTIVE });
  });
});
