import { describe, expect, it } from 'vitest';
import { MEMORY_REASONS, ONLINE_REASONS, TERMINAL_REASONS, TOKEN_REASONS } from '@tegata/protocol';
import { declineTextIn, ONLINE_REASON_TEXT_JA, REASON_TEXT_JA } from './reasonTextJa.js';
import { ONLINE_REASON_TEXT, REASON_TEXT } from './reasonText.js';

describe('reason texts in Japanese and English', () => {
  const all = [...TOKEN_REASONS, ...MEMORY_REASONS, ...TERMINAL_REASONS, ...ONLINE_REASONS];

  it('the Japanese tables have exactly the codes of the English ones', () => {
    expect(Object.keys(REASON_TEXT_JA).sort()).toEqual(Object.keys(REASON_TEXT).sort());
    expect(Object.keys(ONLINE_REASON_TEXT_JA).sort()).toEqual(Object.keys(ONLINE_REASON_TEXT).sort());
  });

  it('every PROTOCOL.md §4 code (and every online decline) has a title and an action in both languages', () => {
    for (const reason of all) {
      const en = declineTextIn('en', reason);
      const ja = declineTextIn('ja', reason);
      expect(en?.title, reason).toBeTruthy();
      expect(en?.action, reason).toBeTruthy();
      expect(ja?.title, reason).toBeTruthy();
      expect(ja?.action, reason).toMatch(/。$/);
      // Japanese text, not an untranslated English copy.
      expect(`${ja?.title ?? ''}${ja?.action ?? ''}`, reason).not.toMatch(/[A-Za-z]{4,}/);
    }
  });

  it('knows nothing of an unknown code', () => {
    expect(declineTextIn('ja', 'no_such_reason')).toBeUndefined();
    expect(declineTextIn('en', 'no_such_reason')).toBeUndefined();
  });
});
