import { useTranslation } from 'react-i18next';
import type { SyncReport, TerminalStatus } from '../../shared/contracts/terminalApi.js';
import { declineTextIn } from '../../shared/reasonTextJa.js';
import { isLanguage, localeOf } from '../i18n.js';
import { formatMoney } from '../money.js';

/** Where a Sync now stands, as the status bar shows it. */
export type SyncState = { kind: 'idle' } | { kind: 'syncing' } | { kind: 'done'; report: SyncReport } | { kind: 'failed'; error: string };

export interface StatusBarProps {
  status: TerminalStatus;
  sync: SyncState;
  onSyncNow: () => void;
}

/**
 * Always visible: online or a clear offline banner, what waits to sync, the last sync, every
 * closed offline gate in plain words (before a sale is started), and Sync now.
 */
export function StatusBar({ status, sync, onSyncNow }: StatusBarProps) {
  const { t, i18n } = useTranslation();
  const language = isLanguage(i18n.language) ? i18n.language : 'en';
  const locale = localeOf(language);
  const pendingAmount = Object.entries(status.pending.amountByCurrency)
    .map(([currency, amount]) => formatMoney(amount, Number(currency), locale))
    .join(' + ');
  const time = (at: number): string => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(at));

  return (
    <section className="status-bar" aria-label={t('status.region')}>
      {status.online ? (
        <p className="online">{t('status.online')}</p>
      ) : (
        <p className="offline-banner" role="alert">
          {t('status.offline')}
        </p>
      )}
      <p>{status.pending.count === 0 ? t('status.pendingNone') : t('status.pending', { count: status.pending.count, amount: pendingAmount })}</p>
      <p>{status.lastSyncAt === null ? t('status.neverSynced') : t('status.lastSync', { time: time(status.lastSyncAt) })}</p>
      {status.closedGates.length > 0 ? (
        <ul className="closed-gates">
          {status.closedGates.map((gate) => (
            <li key={gate}>{t('status.gateClosed', { reason: declineTextIn(language, gate)?.title ?? gate })}</li>
          ))}
        </ul>
      ) : null}
      <button type="button" onClick={onSyncNow} disabled={sync.kind === 'syncing'} aria-busy={sync.kind === 'syncing'}>
        {t('status.syncNow')}
      </button>
      <p className="sync-progress">
        {sync.kind === 'syncing'
          ? t('status.syncing')
          : sync.kind === 'done'
            ? t('status.syncDone', { count: sync.report.sent })
            : sync.kind === 'failed'
              ? t('status.syncFailed', { error: sync.error })
              : null}
      </p>
    </section>
  );
}
