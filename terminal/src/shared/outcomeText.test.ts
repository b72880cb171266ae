import { describe, expect, it } from 'vitest';
import { OUTCOME_CODES, OUTCOME_TEXT, outcomeText } from './outcomeText.js';

describe('outcome texts', () => {
  it('explain every outcome code of PROTOCOL.md §8 in a sentence', () => {
    expect(Object.keys(OUTCOME_TEXT).sort()).toEqual([...OUTCOME_CODES].sort());
    for (const code of OUTCOME_CODES) {
      expect(OUTCOME_TEXT[code], code).toMatch(/^[A-Z].*\.$/);
      expect(OUTCOME_TEXT[code], code).not.toContain('_');
    }
  });

  it('show an unknown future code as it is rather than nothing', () => {
    expect(outcomeText('settled')).toBe(OUTCOME_TEXT.settled);
    expect(outcomeText('chargeback')).toBe('Outcome: chargeback');
  });
});
