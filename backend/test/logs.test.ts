import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { toBase64url } from '@tegata/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, createStore, enrollmentCode, TestTerminal } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { ADMIN_TOKEN, startTestBackend, type TestBackend } from './harness.js';

describe.each(TEST_DIALECTS)('logs on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('carry request ids and terminal ids but never a token, code, admin token or key', async () => {
    const storeId = await createStore(t);
    const { code } = await enrollmentCode(t, storeId);
    const terminal = new TestTerminal(t);
    expect((await terminal.enroll(code)).status).toBe(201);
    const wrongCode = await new TestTerminal(t).enroll('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    expect(wrongCode.status).toBe(400);
    const customer = await createCustomer(t, 5000);
    const tokens = [customer.phone.mint(), customer.phone.mint(), customer.phone.mint({ issuedAt: 1 })];
    await terminal.signed('POST', '/v1/terminal/authorize', { body: { saleId: 's1', token: tokens[0], amount: 100, currency: 392 } });
    await terminal.sendJournal([terminal.payment(tokens[1] ?? '', 100), terminal.payment(tokens[2] ?? '', 100)]);
    const unsigned = await t.request('POST', '/v1/terminal/journal', { body: { records: [] } });
    expect(unsigned.status).toBe(401);
    await t.request('GET', '/v1/admin/flags', { headers: { authorization: 'Bearer wrong-admin-token-value' } });

    const log = t.logText();
    const lines = t.logLines();
    expect(lines.filter((l) => l.msg === 'request').every((l) => typeof l.reqId === 'string')).toBe(true);
    expect(lines.some((l) => l.msg === 'journal batch' && l.terminalId === terminal.id)).toBe(true);
    expect(lines.some((l) => l.msg === 'request' && l.terminalId === terminal.id && l.route === '/v1/terminal/journal')).toBe(true);

    const secrets = [
      ADMIN_TOKEN,
      'wrong-admin-token-value',
      code,
      code.replaceAll('-', ''),
      'ZZZZ-ZZZZ-ZZZZ-ZZZZ',
      toBase64url(terminal.seed),
      ...tokens.map((token) => token.slice(3, 60)), // any recognisable part of a token
    ];
    const keysDir = path.join(t.database.dataDir, 'keys');
    for (const file of readdirSync(keysDir)) {
      const seed = (JSON.parse(readFileSync(path.join(keysDir, file), 'utf8')) as { seed?: string }).seed;
      if (seed !== undefined) secrets.push(seed);
    }
    for (const secret of secrets) expect(log.includes(secret), `the log contains ${secret.slice(0, 6)}…`).toBe(false);
    expect(log).not.toMatch(/TG1[A-Z2-7]{20}/);
    expect(log.toLowerCase()).not.toContain('tegata-signature');
  });
});
