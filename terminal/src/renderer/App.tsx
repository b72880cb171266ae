import { useCallback, useEffect, useState } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { ApiError, RecordView, SaleView, TerminalApi, TerminalEvent, TerminalStatus } from '../shared/contracts/terminalApi.js';
import { AmountEntry } from './components/AmountEntry.js';
import { DecisionAnnouncement } from './components/DecisionAnnouncement.js';
import { StatusBar, type SyncState } from './components/StatusBar.js';
import { createI18n, isLanguage, localeOf, type Language } from './i18n.js';
import { formatMoney } from './money.js';

/** Subscribes to the core's pushed events; returns the unsubscribe. */
export type SubscribeEvents = (listener: (event: TerminalEvent) => void) => () => void;

export interface AppProps {
  /** The typed API (`createApi` over whichever transport; `window.tegata` in production). */
  api: TerminalApi;
  /** The core's event stream, when the transport carries one. */
  subscribe?: SubscribeEvents;
  /** The language from config; the toggle switches it for this session. */
  language: Language;
  /** The store's currency, ISO 4217 numeric (392 = JPY). */
  currency: number;
}

export function App({ language, ...rest }: AppProps) {
  const [i18n] = useState(() => createI18n(language));
  return (
    <I18nextProvider i18n={i18n}>
      <Register {...rest} />
    </I18nextProvider>
  );
}

function decided(sale: SaleView): RecordView | null {
  return sale.state === 'approved' || sale.state === 'declined' ? sale.record : null;
}

function Register({ api, subscribe, currency }: Omit<AppProps, 'language'>) {
  const { t, i18n } = useTranslation();
  const language: Language = isLanguage(i18n.language) ? i18n.language : 'en';
  const other: Language = language === 'ja' ? 'en' : 'ja';
  const locale = localeOf(language);

  const [status, setStatus] = useState<TerminalStatus | null>(null);
  const [sale, setSale] = useState<SaleView>({ state: 'idle' });
  const [decision, setDecision] = useState<RecordView | null>(null);
  const [sync, setSync] = useState<SyncState>({ kind: 'idle' });
  const [problem, setProblem] = useState<string | null>(null);

  const showSale = useCallback((next: SaleView): void => {
    setSale(next);
    const record = decided(next);
    if (record !== null) setDecision(record);
  }, []);

  const refuse = useCallback((error: ApiError): void => setProblem(t('app.refusal', { message: error.message })), [t]);

  const refresh = useCallback(async (): Promise<void> => {
    try {
      const answer = await api.status({});
      if (!answer.ok) return refuse(answer.error);
      setStatus(answer.value);
      showSale(answer.value.sale);
    } catch {
      setProblem(t('app.unreachable'));
    }
  }, [api, refuse, showSale, t]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (subscribe === undefined) return undefined;
    return subscribe((event) => {
      if (event.type === 'status_changed') setStatus(event.status);
      else if (event.type === 'sale_changed' || event.type === 'decision') showSale(event.sale);
    });
  }, [subscribe, showSale]);

  const charge = (amount: number): void => {
    setProblem(null);
    setDecision(null);
    void (async () => {
      try {
        const answer = await api.startSale({ amount, currency });
        if (!answer.ok) return refuse(answer.error);
        showSale(answer.value);
      } catch {
        setProblem(t('app.unreachable'));
      }
    })();
  };

  const syncNow = (): void => {
    setSync({ kind: 'syncing' });
    void (async () => {
      try {
        const answer = await api.syncNow({});
        if (!answer.ok) setSync({ kind: 'failed', error: answer.error.message });
        else setSync(answer.value.ok ? { kind: 'done', report: answer.value } : { kind: 'failed', error: answer.value.error ?? '' });
      } catch {
        setSync({ kind: 'failed', error: t('app.unreachable') });
      }
      await refresh();
    })();
  };

  return (
    <div className="register" lang={language}>
      <header>
        <h1>{t('app.title')}</h1>
        <button type="button" lang={other} onClick={() => void i18n.changeLanguage(other)}>
          {t('app.otherLanguage')}
        </button>
      </header>
      {status === null ? null : <StatusBar status={status} sync={sync} onSyncNow={syncNow} />}
      <main>
        {sale.state === 'awaiting_scan' || sale.state === 'verifying' ? (
          <p>{t('sale.awaitingScan', { amount: formatMoney(sale.amount, sale.currency, locale) })}</p>
        ) : (
          <AmountEntry currency={currency} locale={locale} onCharge={charge} disabled={status === null} />
        )}
        <DecisionAnnouncement record={decision} />
        {problem === null ? null : <p role="alert">{problem}</p>}
      </main>
    </div>
  );
}
