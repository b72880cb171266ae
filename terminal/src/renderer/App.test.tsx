// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, type ApiCall } from '../shared/contracts/apiTransport.js';
import type { SaleView, TerminalEvent, TerminalMethod, TerminalStatus } from '../shared/contracts/terminalApi.js';
import { App, type SubscribeEvents } from './App.js';
import { record, terminalStatus } from './testing/fixtures.js';

afterEach(cleanup);

const SALE_ID = '01890000-0000-7000-8000-0000000000aa';

/** A core behind the typed client: answers by method, records every call. */
function fakeCore(status: TerminalStatus = terminalStatus()) {
  const calls: { method: TerminalMethod; input: unknown }[] = [];
  const listeners = new Set<(event: TerminalEvent) => void>();
  let current = status;
  const call: ApiCall = (method, input) => {
    calls.push({ method, input });
    switch (method) {
      case 'status':
        return Promise.resolve({ ok: true, value: current });
      case 'startSale': {
        const sale: SaleView = { state: 'awaiting_scan', saleId: SALE_ID, amount: 1200, currency: 392, startedAt: current.now };
        return Promise.resolve({ ok: true, value: sale });
      }
      case 'syncNow':
        current = { ...current, pending: { count: 0, amountByCurrency: {} } };
        return Promise.resolve({ ok: true, value: { ok: true, sent: 2, acknowledgedSeq: 2, rejected: [], outcomes: 0, trustSerial: 1, error: null } });
      default:
        return Promise.resolve({ ok: false, error: { code: 'internal', message: 'not in this test' } });
    }
  };
  const subscribe: SubscribeEvents = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const emit = (event: TerminalEvent): void => act(() => listeners.forEach((listener) => listener(event)));
  return { api: createApi(call), calls, subscribe, emit };
}

describe('App', () => {
  it('charges through the typed API and announces the decision the core pushes', async () => {
    const core = fakeCore();
    render(<App api={core.api} subscribe={core.subscribe} language="en" currency={392} />);
    const user = userEvent.setup();
    await screen.findByRole('region', { name: 'Register status' });
    await user.type(screen.getByRole('textbox', { name: 'Amount' }), '1200');
    await user.click(screen.getByRole('button', { name: 'Charge' }));
    expect(core.calls).toContainEqual({ method: 'startSale', input: { amount: 1200, currency: 392 } });
    expect(await screen.findByText('Show your code: ¥1,200')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Amount' })).toBeNull();

    const approved = record({ amount: 1200 });
    core.emit({ type: 'decision', sale: { state: 'approved', saleId: SALE_ID, amount: 1200, currency: 392, startedAt: 0, record: approved }, record: approved });
    expect(screen.getByRole('status').textContent).toBe('Approved ¥1,200');
    expect(screen.getByRole('textbox', { name: 'Amount' })).toBeTruthy();
  });

  it('shows a pushed status and syncs on Sync now', async () => {
    const core = fakeCore(terminalStatus({ pending: { count: 2, amountByCurrency: { '392': 700 } } }));
    render(<App api={core.api} subscribe={core.subscribe} language="en" currency={392} />);
    expect(await screen.findByText('2 payments waiting to sync (¥700)')).toBeTruthy();
    core.emit({ type: 'status_changed', status: terminalStatus({ online: false }) });
    expect(screen.getByRole('alert').textContent).toMatch(/^Offline/);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sync now' }));
    expect(await screen.findByText('Sync finished: 2 sent')).toBeTruthy();
    expect(core.calls.map((c) => c.method)).toContain('syncNow');
    expect(await screen.findByText('Nothing waiting to sync')).toBeTruthy();
  });

  it('shows a refusal of the core in words', async () => {
    const core = fakeCore();
    const refusing = { ...core.api, startSale: () => Promise.resolve({ ok: false as const, error: { code: 'sale_in_progress' as const, message: 'a sale is in progress' } }) };
    render(<App api={refusing} language="en" currency={392} />);
    const user = userEvent.setup();
    await user.type(await screen.findByRole('textbox', { name: 'Amount' }), '5{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('The register refused: a sale is in progress');
  });

  it('switches between Japanese and English with the toggle', async () => {
    const core = fakeCore();
    render(<App api={core.api} language="ja" currency={392} />);
    const user = userEvent.setup();
    expect(await screen.findByRole('textbox', { name: '金額' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '請求' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'English' }));
    expect(screen.getByRole('textbox', { name: 'Amount' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '日本語' }));
    expect(screen.getByRole('button', { name: '今すぐ同期' })).toBeTruthy();
  });
});
