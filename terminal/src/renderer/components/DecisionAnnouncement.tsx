import { useTranslation } from 'react-i18next';
import type { RecordView } from '../../shared/contracts/terminalApi.js';
import { declineTextIn } from '../../shared/reasonTextJa.js';
import { formatMoney } from '../money.js';
import { isLanguage, localeOf } from '../i18n.js';

/** The words of a decision: "Approved ¥1,200" or "Declined ¥1,200. <what happened>. <next step>". */
export function useDecisionText(): (record: RecordView) => string {
  const { t, i18n } = useTranslation();
  const language = isLanguage(i18n.language) ? i18n.language : 'en';
  return (record) => {
    const amount = formatMoney(record.amount, record.currency, localeOf(language));
    if (record.decision === 'approved') return t('decision.approved', { amount });
    const code = record.reason ?? '';
    const text = declineTextIn(language, code);
    if (text === undefined) return t('decision.declinedUnknown', { amount, code });
    return t('decision.declined', { amount, title: text.title, action: text.action });
  };
}

export interface DecisionAnnouncementProps {
  /** The last decision, or null before any. */
  record: RecordView | null;
}

/**
 * The ARIA live region the decision is announced in. It is always in the page (a live region
 * added together with its text is not reliably read out); only its text changes.
 */
export function DecisionAnnouncement({ record }: DecisionAnnouncementProps) {
  const decisionText = useDecisionText();
  const kind = record === null ? 'none' : record.decision;
  return (
    <div role="status" aria-live="polite" aria-atomic="true" className={`decision decision-${kind}`}>
      {record === null ? null : decisionText(record)}
    </div>
  );
}
