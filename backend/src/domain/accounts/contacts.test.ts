import { describe, expect, it } from 'vitest';
import { loginKey, networkOf, normaliseEmail, normalisePhone, parseLogin, phonePrefix } from './contacts.js';

describe('contacts', () => {
  it('puts phone numbers in E.164 and refuses national formats', () => {
    expect(normalisePhone('+81 90-1234-5678')).toBe('+819012345678');
    expect(normalisePhone('+81 (90) 1234.5678')).toBe('+819012345678');
    expect(normalisePhone('090-1234-5678')).toBeUndefined();
    expect(normalisePhone('+0123456789')).toBeUndefined();
    expect(normalisePhone('+1234567890123456')).toBeUndefined();
    expect(phonePrefix('+819012345678', 5)).toBe('+81901');
  });

  it('lowercases e-mail addresses and tells logins apart', () => {
    expect(normaliseEmail('  Hanako@Example.JP ')).toBe('hanako@example.jp');
    expect(normaliseEmail('no at sign')).toBeUndefined();
    expect(parseLogin('Hanako@Example.jp')).toEqual({ kind: 'email', value: 'hanako@example.jp' });
    expect(parseLogin('+81 90 1234 5678')).toEqual({ kind: 'phone', value: '+819012345678' });
    expect(loginKey({ kind: 'phone', value: '+819012345678' })).toBe(loginKey(parseLogin('+81-90-1234-5678')!));
    expect(loginKey({ kind: 'phone', value: '+819012345678' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('groups client addresses by /24 and /64', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002::/64');
    expect(networkOf('2001:db8:1:2::9')).toBe('2001:0db8:0001:0002::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(networkOf('::1')).toBe('0000:0000:0000:0000::/64');
  });
});
