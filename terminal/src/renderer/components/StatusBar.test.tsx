// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { I18nextProvider } from 'react-i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TerminalStatus } from '../../shared/contracts/terminalApi.js';
import { terminalStatus } from '../testing/fixtures.js';
import { createI18n, type Language } from '../i18n.js';
import { StatusBar, type SyncState } from './StatusBar.js';

afterEach(cleanup);

function renderBar(status: TerminalStatus, sync: SyncState = { kind: 'idle' }, language: Language = 'en') {
  const onSyncNow = vi.fn<() => void>();
  render(
    <I18nextProvider i18n={createI18n(language)}>
      <StatusBar status={status} sync={sync} onSyncNow={onSyncNow} />
    </I18nextProvider>,
  );
  return { onSyncNow, bar: screen.getByRole('region', { name: language === 'en' ? 'Register status' : 'レジの状態' }) };
}

describe('StatusBar', () => {
  it('online with nothing pending: no offline banner', () => {
    const { bar } = renderBar(terminalStatus());
    expect(within(bar).getByText('Online')).toBeTruthy();
    expect(within(bar).queryByRole('alert')).toBeNull();
    expect(within(bar).getByText('Nothing waiting to sync')).toBeTruthy();
    expect(within(bar).getByText(/^Last sync: /)).toBeTruthy();
  });

  it('offline: a banner, the pending count and amount, and the closed gates in plain words', () => {
    const { bar } = renderBar(
      terminalStatus({
        online: false,
        lastSyncAt: null,
        pending: { count: 3, amountByCurrency: { '392': 3600 } },
        closedGates: ['clock_untrusted', 'trust_stale'],
      }),
    );
    expect(within(bar).getByRole('alert').textContent).toMatch(/^Offline/);
    expect(within(bar).getByText('3 payments waiting to sync (¥3,600)')).toBeTruthy();
    expect(within(bar).getByText('Not synced yet')).toBeTruthy();
    expect(within(bar).getByText('Offline payments paused: The register’s clock has not been checked')).toBeTruthy();
    expect(within(bar).getByText('Offline payments paused: The register’s security data is out of date')).toBeTruthy();
  });

  it('one pending payment is singular', () => {
    const { bar } = renderBar(terminalStatus({ pending: { count: 1, amountByCurrency: { '392': 500 } } }));
    expect(within(bar).getByText('1 payment waiting to sync (¥500)')).toBeTruthy();
  });

  it('Sync now calls back, and is busy while a sync runs', async () => {
    const { onSyncNow, bar } = renderBar(terminalStatus());
    await userEvent.setup().click(within(bar).getByRole('button', { name: 'Sync now' }));
    expect(onSyncNow).toHaveBeenCalledTimes(1);
    cleanup();
    const busy = renderBar(terminalStatus(), { kind: 'syncing' });
    const button = within(busy.bar).getByRole<HTMLButtonElement>('button', { name: 'Sync now' });
    expect(button.disabled).toBe(true);
    expect(within(busy.bar).getByText('Syncing…')).toBeTruthy();
  });

  it('reports a finished and a failed sync', () => {
    const report = { ok: true, sent: 4, acknowledgedSeq: 9, rejected: [], outcomes: 0, trustSerial: 1, error: null };
    const { bar } = renderBar(terminalStatus(), { kind: 'done', report });
    expect(within(bar).getByText('Sync finished: 4 sent')).toBeTruthy();
    cleanup();
    const failed = renderBar(terminalStatus(), { kind: 'failed', error: 'backend unreachable' });
    expect(within(failed.bar).getByText('Sync failed: backend unreachable')).toBeTruthy();
  });

  it('speaks Japanese', () => {
    const { bar } = renderBar(terminalStatus({ online: false, closedGates: ['clock_untrusted'] }), { kind: 'idle' }, 'ja');
    expect(within(bar).getByRole('alert').textContent).toMatch(/^オフライン/);
    expect(within(bar).getByText('オフライン決済は停止中：レジの時計が確認されていません')).toBeTruthy();
    expect(within(bar).getByRole('button', { name: '今すぐ同期' })).toBeTruthy();
  });
});
