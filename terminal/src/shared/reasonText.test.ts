import { describe, expect, it } from 'vitest';
import { isDeclineReason, MEMORY_REASONS, ONLINE_REASONS, TERMINAL_REASONS, TOKEN_REASONS } from '@tegata/protocol';
import { declineText, ONLINE_REASON_TEXT, REASON_TEXT } from './reasonText.js';

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

  it('cover the declines only the backend gives online, device_pending among them', () => {
    const onlineOnly = ONLINE_REASONS.filter((reason) => !isDeclineReason(reason));
    expect(Object.keys(ONLINE_REASON_TEXT).sort()).toEqual([...onlineOnly].sort());
    expect(onlineOnly).toContain('device_pending');
    for (const reason of ONLINE_REASONS) {
      const text = declineText(reason);
      expect(text?.title.length, reason).toBeGreaterThan(10);
      expect(text?.action, reason).toMatch(/^[A-Z].*\.$/);
      expect(`${text?.title ?? ''} ${text?.action ?? ''}`, reason).not.toContain('_');
    }
    expect(declineText('no_such_reason')).toBeUndefined();
  });
});
