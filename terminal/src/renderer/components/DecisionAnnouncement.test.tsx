// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordView } from '../../shared/contracts/terminalApi.js';
import { record } from '../testing/fixtures.js';
import { createI18n, type Language } from '../i18n.js';
import { DecisionAnnouncement } from './DecisionAnnouncement.js';

afterEach(cleanup);

function announce(value: RecordView | null, language: Language = 'en'): string {
  render(
    <I18nextProvider i18n={createI18n(language)}>
      <DecisionAnnouncement record={value} />
    </I18nextProvider>,
  );
  return screen.getByRole('status').textContent;
}

describe('DecisionAnnouncement', () => {
  it('is a live region that is there, empty, before any decision', () => {
    expect(announce(null)).toBe('');
    expect(screen.getByRole('status').getAttribute('aria-live')).toBe('polite');
  });

  it('announces an approval with the amount', () => {
    expect(announce(record())).toBe('Approved ¥1,200');
  });

  it('announces a decline with the amount, what happened and what to do (shared reason text)', () => {
    expect(announce(record({ decision: 'declined', reason: 'token_expired' }))).toBe(
      'Declined ¥1,200. This payment code has expired. Ask the customer to refresh the code.',
    );
  });

  it('announces an online-only decline too, and an unknown code as its code', () => {
    expect(announce(record({ decision: 'declined', reason: 'insufficient_funds' }))).toMatch(/^Declined ¥1,200\. The wallet does not hold enough money/);
    cleanup();
    expect(announce(record({ decision: 'declined', reason: 'something_new' }))).toBe('Declined ¥1,200. Reason code: something_new');
  });

  it('speaks Japanese: 承認 / お支払いできません, then the amount and the reason', () => {
    expect(announce(record(), 'ja')).toMatch(/^承認 [¥￥]1,200$/);
    cleanup();
    expect(announce(record({ decision: 'declined', reason: 'replayed' }), 'ja')).toMatch(
      /^お支払いできません [¥￥]1,200。この支払いコードは使用済みです。コードの更新をお願いしてください。$/,
    );
  });
});
