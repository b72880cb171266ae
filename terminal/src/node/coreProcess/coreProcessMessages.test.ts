import { describe, expect, it } from 'vitest';
import { parseCoreProcessData } from './coreProcessMessages.js';

describe('the core process start data', () => {
  it('takes what serve sends', () => {
    const data = { dataDir: '/var/lib/tegata', logLevel: 'info', duplicateWindowMs: 1500 };
    expect(parseCoreProcessData(JSON.stringify(data))).toEqual({ ok: true, data });
  });

  it.each([
    [undefined, /not JSON/],
    ['', /not JSON/],
    ['{', /not JSON/],
    ['{}', /dataDir/],
    [JSON.stringify({ dataDir: '/d', logLevel: 'loud', duplicateWindowMs: 1500 }), /logLevel/],
    [JSON.stringify({ dataDir: '/d', logLevel: 'info', duplicateWindowMs: -1 }), /duplicateWindowMs/],
    [JSON.stringify({ dataDir: '/d', logLevel: 'info', duplicateWindowMs: 1, extra: true }), /extra|Unrecognized/],
  ])('refuses %j, saying why', (argument, why) => {
    const parsed = parseCoreProcessData(argument);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(why);
  });
});
