import { signRequest, utf8Encode } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestTerminal } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';

describe.each(TEST_DIALECTS)('terminal-signed requests on %s', (dialect) => {
  let t: TestBackend;
  let terminal: TestTerminal;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
    terminal = await TestTerminal.enrolled(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 204 when the terminal holds the current bundle, else the bundle', async () => {
    const serial = terminal.trust?.serial ?? -1;
    expect((await terminal.signed('GET', `/v1/terminal/trust?serial=${serial}`)).status).toBe(204);
    const older = await terminal.signed('GET', '/v1/terminal/trust?serial=0');
    expect(older.status).toBe(200);
    expect(terminal.acceptBundle(older.body as never).serial).toBe(serial);
    expect((await terminal.signed('GET', '/v1/terminal/trust')).status).toBe(200);
    const bad = await terminal.signed('GET', '/v1/terminal/trust?serial=-1');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses unsigned, badly signed and tampered requests', async () => {
    const unsigned = await t.request('GET', '/v1/terminal/trust?serial=1');
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: 'missing_signature' });

    // Signed for another target than the one requested.
    const headers = signRequest(nodeEd25519, terminal.seed, 'terminal', {
      method: 'GET',
      target: '/v1/terminal/trust?serial=1',
      timestampMs: t.clock.nowMs(),
      principalId: terminal.id,
      body: utf8Encode(''),
    });
    const moved = await t.request('GET', '/v1/terminal/trust?serial=2', { headers: { ...headers } });
    expect(moved.status).toBe(401);
    expect(await moved.json()).toMatchObject({ code: 'bad_signature' });

    const other = new TestTerminal(t);
    other.id = terminal.id; // a key that is not the terminal's
    expect((await other.signed('GET', '/v1/terminal/trust')).body).toMatchObject({ code: 'bad_signature' });
    other.id = 'trm_unknown';
    const unknown = await other.signed('GET', '/v1/terminal/trust');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'unknown_terminal' });

    const malformed = await t.request('GET', '/v1/terminal/trust', {
      headers: { ...headers, 'Tegata-Timestamp': '0012' },
    });
    expect(await malformed.json()).toMatchObject({ code: 'malformed_signature_headers' });
  });

  it('allows 300 s of clock difference and tells the server time beyond it', async () => {
    const now = t.clock.nowMs();
    expect((await terminal.signed('GET', '/v1/terminal/trust', { timestampMs: now - 300_000 })).status).toBe(200);
    expect((await terminal.signed('GET', '/v1/terminal/trust', { timestampMs: now + 300_000 })).status).toBe(200);
    const late = await terminal.signed('GET', '/v1/terminal/trust', { timestampMs: now - 300_001 });
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ code: 'timestamp_out_of_window', serverTime: now });
    const early = await terminal.signed('GET', '/v1/terminal/trust', { timestampMs: now + 300_001 });
    expect(early.body).toMatchObject({ code: 'timestamp_out_of_window', serverTime: now });
  });

  it('refuses a revoked terminal with 403 once it proved its key', async () => {
    const revoked = await TestTerminal.enrolled(t);
    const view = await t.admin<{ status: string; revokedAt: number }>('POST', `/v1/admin/terminals/${revoked.id}/revoke`);
    expect(view).toMatchObject({ status: 'revoked', revokedAt: t.clock.nowMs() });
    const refused = await revoked.signed('GET', '/v1/terminal/trust');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'terminal_revoked' });
    // Someone else presenting its id learns nothing about revocation.
    const impostor = new TestTerminal(t);
    impostor.id = revoked.id;
    expect((await impostor.signed('GET', '/v1/terminal/trust')).body).toMatchObject({ code: 'bad_signature' });
    const missing = await t.request('POST', '/v1/admin/terminals/trm_nope/revoke', { admin: true });
    expect(missing.status).toBe(404);
  });
});
