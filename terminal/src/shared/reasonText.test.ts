import { describe, expect, it } from 'vitest';
import { MEMORY_REASONS, TERMINAL_REASONS, TOKEN_REASONS } from '@tegata/protocol';
import { REASON_TEXT } from './reasonText.js';

describe('reason texts', () => {
  const all = [...TOKEN_REASONS, ...MEMORY_REASONS, ...TERMINAL_REASONS];

  it('cover exactly the reason codes of PROTOCOL.md §4', () => {
    expect(Object.keys(REASON_TEXT).sort()).toEqual([...all].sort());
  });

  it('tell the cashier what happened and what to do, never the code itself', () => {
    for (const reason of all) {
      const { title, action } = REASON_TEXT[reason];
      expect(title.length, reason).toBeGreaterThan(10);
      expect(action, reason).toMatch(/^[A-Z].*\.$/);
      expect(`${title} ${action}`, reason).not.toContain('_');
    }
  });
});
