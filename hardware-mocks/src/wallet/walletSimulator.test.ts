/**
 * The wallet simulator believes no answer the API contract (@tegata/protocol's API routes)
 * does not describe: a malformed reply, a body that is not JSON, or a success status the route
 * does not answer with is a WalletError `invalid_response` naming the route.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalletError, WalletSimulator } from './walletSimulator.js';
import { newWalletState } from './walletState.js';

type Answer = { status: number; body: string };
type Backend = (target: string) => Answer;

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) });

describe('WalletSimulator validates every reply with the API contract', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tegata-wallet-sim-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function wallet(backend: Backend): WalletSimulator {
    const fetch: typeof globalThis.fetch = (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const answer = backend(`${url.pathname}${url.search}`);
      return Promise.resolve(new Response(answer.body === '' ? null : answer.body, { status: answer.status }));
    };
    return new WalletSimulator({ url: 'http://backend.test', stateFile: path.join(dir, 'wallet.json'), fetch, codeTimeoutMs: 50 });
  }

  const signup = { phone: '+819012345678', email: 'a@example.test', password: 'correct horse battery staple' };

  async function refusal(promise: Promise<unknown>): Promise<WalletError> {
    const error: unknown = await promise.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WalletError);
    return error as WalletError;
  }

  it('refuses a malformed reply (the dev outbox without its messages array)', async () => {
    const error = await refusal(wallet(() => json(200, { messages: 'none' })).signup(signup));
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(200);
    expect(error.message).toMatch(/^GET \/v1\/dev\/outbox\?to=.* → 200: the answer is not what PROTOCOL\.md §8 says \(messages: /);
  });

  it('refuses a reply whose members have the wrong types (a balance as a string)', async () => {
    // A bound phone in the state file and no session: the balance is asked device-signed.
    const device = { deviceId: '0123456789abcdef', seed: 'A'.repeat(43), certificate: '', name: 'test' };
    writeFileSync(path.join(dir, 'wallet.json'), JSON.stringify({ ...newWalletState('http://backend.test'), device }));
    const sim = wallet((target) =>
      target === '/v1/wallet' ? json(200, { balance: '100', currency: 392, transactions: [] }) : json(404, { code: 'not_found', title: 'Not Found' }),
    );
    const error = await refusal(sim.balance());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('GET /v1/wallet → 200: the answer is not what PROTOCOL.md §8 says (balance: ');
  });

  it('refuses a success status the route does not answer with, and a body that is not JSON', async () => {
    const wrongStatus = await refusal(
      wallet((target) => (target.startsWith('/v1/dev/outbox') ? json(200, { messages: [] }) : json(200, { status: 'codes_sent' }))).signup(signup),
    );
    expect(wrongStatus.code).toBe('invalid_response');
    expect(wrongStatus.message).toContain('POST /v1/accounts → 200: the answer is not what PROTOCOL.md §8 says (POST /v1/accounts does not answer 200)');

    const notJson = await refusal(wallet(() => ({ status: 200, body: '{"messages": [' })).signup(signup));
    expect(notJson.code).toBe('invalid_response');
    expect(notJson.message).toMatch(/→ 200: the answer is not JSON$/);
  });

  it('still reports a refusal (problem+json) with its code, as before', async () => {
    const error = await refusal(
      wallet((target) =>
        target.startsWith('/v1/dev/outbox') ? json(200, { messages: [] }) : json(429, { type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'too_many_attempts' }),
      ).signup(signup),
    );
    expect(error.status).toBe(429);
    expect(error.code).toBe('too_many_attempts');
    expect(error.message).toBe('POST /v1/accounts → 429 too_many_attempts Too Many Requests');
  });
});
