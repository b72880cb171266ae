import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type {
  ApiInput,
  ApiResult,
  TerminalApi,
  TerminalApiOutputs,
  TerminalEvent,
  TerminalMethod,
  TerminalStatus,
} from '../../shared/contracts/terminalApi.js';
import { terminalApi } from '../../shared/contracts/terminalApi.js';
import { startLoopbackServer, type LoopbackServer, type LoopbackServerOptions } from './loopbackServer.js';

// ---------------------------------------------------------------------------------------------
// Fakes: an API that records its calls, an event source, a logger that keeps every line.

type Answers = { [M in TerminalMethod]: (input: ApiInput<M>) => ApiResult<TerminalApiOutputs[M]> };

const status: TerminalStatus = {
  terminalId: 'T-1',
  now: 1_700_000_000_000,
  online: true,
  lastSyncAt: null,
  offlineSince: null,
  pending: { count: 0, amountByCurrency: {} },
  clock: { trusted: true, offsetMs: 0, measuredAt: null },
  trust: { serial: 1, expiresAt: null },
  closedGates: [],
  restoredFromBackup: false,
  rejectedRecords: [],
  sale: { state: 'idle' },
};

const refused = { ok: false, error: { code: 'not_found', message: 'nothing here' } } as const;

const defaultAnswers: Answers = {
  status: () => ({ ok: true, value: status }),
  startSale: (input) => ({
    ok: true,
    value: { state: 'awaiting_scan', saleId: 'sale-1', amount: input.amount, currency: input.currency, startedAt: 1 },
  }),
  cancelSale: () => ({ ok: true, value: { state: 'idle' } }),
  submitScan: () => ({ ok: true, value: { kind: 'duplicate' } }),
  refund: () => refused,
  voidPayment: () => refused,
  history: () => ({ ok: true, value: { records: [], nextBeforeSeq: null } }),
  listScanners: () => ({ ok: true, value: [] }),
  configureScanner: () => refused,
  removeScanner: () => ({ ok: true, value: { removed: false } }),
  testScanner: () => ({ ok: false, error: { code: 'timeout', message: 'nothing read' } }),
  syncNow: () => ({ ok: false, error: { code: 'not_enrolled', message: 'no backend' } }),
  enroll: () => ({ ok: false, error: { code: 'already_enrolled', message: 'enrolled' } }),
  confirmEnrollment: () => ({ ok: false, error: { code: 'already_enrolled', message: 'enrolled' } }),
  cancelEnrollment: () => ({ ok: true, value: { cancelled: false } }),
};

interface Call {
  method: TerminalMethod;
  input: unknown;
}

function fakeApi(overrides: Partial<Answers>): { api: TerminalApi; calls: Call[] } {
  const calls: Call[] = [];
  const answers: Answers = { ...defaultAnswers, ...overrides };
  const wrap =
    <M extends TerminalMethod>(method: M) =>
    (input: ApiInput<M>): Promise<ApiResult<TerminalApiOutputs[M]>> => {
      calls.push({ method, input });
      // Runs inside the promise so a throwing answer behaves like a failing async handler.
      return new Promise((resolve) => resolve(answers[method](input)));
    };
  // Every method of the contract, so a new one cannot be forgotten here.
  const api = Object.fromEntries((Object.keys(terminalApi) as TerminalMethod[]).map((method) => [method, wrap(method)])) as unknown as TerminalApi;
  return { api, calls };
}

function fakeEvents() {
  const listeners = new Set<(event: TerminalEvent) => void>();
  let unsubscribed = 0;
  return {
    listeners,
    get unsubscribed() {
      return unsubscribed;
    },
    subscribe(listener: (event: TerminalEvent) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        unsubscribed += 1;
      };
    },
    emit(event: TerminalEvent): void {
      for (const listener of listeners) listener(event);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A running server per test.

let tmp = '';
let site = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'tegata-loopback-'));
  site = path.join(tmp, 'site');
  await mkdir(path.join(site, 'assets'), { recursive: true });
  await writeFile(path.join(site, 'index.html'), '<!doctype html><title>Tegata</title>');
  await writeFile(path.join(site, 'assets', 'app.js'), 'export {};');
  await writeFile(path.join(site, 'assets', 'app.css'), 'body{}');
  await writeFile(path.join(site, '.env'), 'SECRET=1');
  await writeFile(path.join(tmp, 'secret.txt'), 'outside the site');
  await writeFile(path.join(tmp, 'package.json'), '{"outside":true}');
  await symlink(path.join(tmp, 'secret.txt'), path.join(site, 'escape.txt'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const running: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(overrides: Partial<Answers> = {}, options: Partial<LoopbackServerOptions> = {}) {
  const { api, calls } = fakeApi(overrides);
  const events = fakeEvents();
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const server = await startLoopbackServer({
    api,
    subscribe: (listener) => events.subscribe(listener),
    staticDir: site,
    logger,
    ...options,
  });
  running.push(server);
  return { server, calls, events, lines, port: server.port, token: server.token };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

interface Send {
  method?: string;
  path: string;
  /** The Host header; `null` sends none. Default `127.0.0.1:<port>`. */
  host?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer | Buffer[];
}

/** node:http, so the test controls Host, Origin and the raw path exactly. */
function send(port: number, { method = 'GET', path: target, host, headers = {}, body }: Send): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const hostHeader = host === undefined ? `127.0.0.1:${port}` : host;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        setHost: false,
        agent: false,
        headers: { ...(hostHeader === null ? {} : { Host: hostHeader }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON (static files)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const jsonPost = (token: string) => ({ ...bearer(token), 'Content-Type': 'application/json' });

function expectNoCors(reply: Reply): void {
  expect(Object.keys(reply.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe('startLoopbackServer', () => {
  it('answers GET status and POST startSale for the token holder', async () => {
    const { port, token, calls } = await start();

    const got = await send(port, { path: '/api/status', headers: bearer(token) });
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ ok: true, value: status });
    expect(got.headers['cache-control']).toBe('no-store');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['referrer-policy']).toBe('no-referrer');
    expect(got.headers['x-frame-options']).toBe('DENY');
    expectNoCors(got);

    const posted = await send(port, {
      method: 'POST',
      path: '/api/startSale',
      headers: { ...jsonPost(token), Origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ amount: 500, currency: 392 }),
    });
    expect(posted.status).toBe(200);
    expect(posted.json).toEqual({
      ok: true,
      value: { state: 'awaiting_scan', saleId: 'sale-1', amount: 500, currency: 392, startedAt: 1 },
    });
    expect(calls).toEqual([
      { method: 'status', input: {} },
      { method: 'startSale', input: { amount: 500, currency: 392 } },
    ]);
  });

  it('returns a fragment URL with a fresh ≥128-bit token per launch, and never logs it', async () => {
    const a = await start();
    const b = await start();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.server.url).toBe(`http://127.0.0.1:${a.port}/#token=${a.token}`);

    await send(a.port, { path: '/api/status', headers: bearer(a.token) });
    await send(a.port, { path: '/api/status', headers: bearer(`${a.token}x`) });
    await send(a.port, { path: `/api/status?input=${a.token}`, headers: bearer(a.token) });
    const socket = await openEvents(a.port);
    socket.send(JSON.stringify({ type: 'hello', token: a.token }));
    await vi.waitFor(() => expect(a.events.listeners.size).toBe(1));
    await a.server.close();

    expect(a.lines.length).toBeGreaterThan(3);
    expect(a.lines.join('\n')).not.toContain(a.token);
  });

  it('refuses a short caller-supplied token', async () => {
    await expect(start({}, { token: 'short' })).rejects.toThrow(RangeError);
  });

  it('accepts localhost:<port> as well as 127.0.0.1:<port>', async () => {
    const { port, token } = await start();
    const reply = await send(port, { path: '/api/status', host: `localhost:${port}`, headers: bearer(token) });
    expect(reply.status).toBe(200);
  });

  it.each([
    ['a rebinding name', (port: number): string | null => `evil.example:${port}`],
    ['another port', (port: number): string | null => `127.0.0.1:${port + 1}`],
    ['no port', (): string | null => '127.0.0.1'],
    ['no Host at all', (): string | null => null],
  ])('answers 421 to %s, on the API and on static files', async (_label, host) => {
    const { port, token, calls } = await start();
    const api = await send(port, { path: '/api/status', host: host(port), headers: bearer(token) });
    expect(api.status).toBe(421);
    expect(api.json).toMatchObject({ ok: false, error: { code: 'misdirected' } });
    const page = await send(port, { path: '/', host: host(port) });
    expect(page.status).toBe(421);
    expect(page.text).not.toContain('Tegata');
    expect(calls).toEqual([]);
  });

  it.each(['http://evil.example', `null`, 'http://127.0.0.1:1', 'https://127.0.0.1'])(
    'answers 403 to Origin %s',
    async (origin) => {
      const { port, token, calls } = await start();
      const reply = await send(port, { path: '/api/status', headers: { ...bearer(token), Origin: origin } });
      expect(reply.status).toBe(403);
      expectNoCors(reply);
      const page = await send(port, { path: '/', headers: { Origin: origin } });
      expect(page.status).toBe(403);
      expect(calls).toEqual([]);
    },
  );

  it('answers 403 to Sec-Fetch-Site: cross-site even without an Origin', async () => {
    const { port, token, calls } = await start();
    const reply = await send(port, { path: '/api/status', headers: { ...bearer(token), 'Sec-Fetch-Site': 'cross-site' } });
    expect(reply.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong token', { Authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['an empty bearer', { Authorization: 'Bearer ' }],
    ['Basic auth', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('answers 401 to %s and does not call the handler', async (_label, headers) => {
    const { port, calls } = await start();
    const got = await send(port, { path: '/api/status', headers });
    expect(got.status).toBe(401);
    expect(got.headers['www-authenticate']).toBe('Bearer');
    const posted = await send(port, {
      method: 'POST',
      path: '/api/startSale',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: '{"amount":1,"currency":392}',
    });
    expect(posted.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('refuses the simple cross-site POSTs a browser sends without preflight', async () => {
    const { port, token, calls } = await start();
    const body = '{"amount":1,"currency":392}';
    const withOrigin = await send(port, {
      method: 'POST',
      path: '/api/startSale',
      headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
      body,
    });
    expect(withOrigin.status).toBe(403);
    // Even holding the token, nothing but JSON is accepted.
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
      const reply = await send(port, {
        method: 'POST',
        path: '/api/startSale',
        headers: { ...bearer(token), ...(contentType === null ? {} : { 'Content-Type': contentType }) },
        body,
      });
      expect(reply.status, String(contentType)).toBe(415);
      expect(reply.json).toMatchObject({ ok: false, error: { code: 'unsupported_media_type' } });
    }
    expect(calls).toEqual([]);
  });

  it('never changes state on GET: a mutating method answers 405 Allow: POST', async () => {
    const { port, token, calls } = await start();
    const reply = await send(port, { path: '/api/startSale?input=%7B%22amount%22%3A1%2C%22currency%22%3A392%7D', headers: bearer(token) });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST');
    expect(calls).toEqual([]);
  });

  it('answers OPTIONS (a CORS preflight) with 405 and no CORS headers', async () => {
    const { port, calls } = await start();
    const reply = await send(port, {
      method: 'OPTIONS',
      path: '/api/startSale',
      headers: { Origin: `http://127.0.0.1:${port}`, 'Access-Control-Request-Method': 'POST' },
    });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST');
    expectNoCors(reply);
    expect(calls).toEqual([]);
  });

  it.each(['/api/nope', '/api/__proto__', '/api/constructor', '/api/status/', '/api/'])('answers 404 to %s', async (target) => {
    const { port, token, calls } = await start();
    const reply = await send(port, { path: target, headers: bearer(token) });
    expect(reply.status).toBe(404);
    expect(calls).toEqual([]);
  });

  it('takes GET input as ?input=<JSON> and applies the schema defaults', async () => {
    const { port, token, calls } = await start();
    const reply = await send(port, { path: `/api/history?input=${encodeURIComponent('{"beforeSeq":9}')}`, headers: bearer(token) });
    expect(reply.status).toBe(200);
    expect(calls).toEqual([{ method: 'history', input: { limit: 50, beforeSeq: 9 } }]);
    const stray = await send(port, { path: '/api/history?limit=5', headers: bearer(token) });
    expect(stray.status).toBe(400);
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const { port, token, calls } = await start();
    const big = Buffer.alloc(65 * 1024, 0x20);
    const declared = await send(port, { method: 'POST', path: '/api/submitScan', headers: jsonPost(token), body: big });
    expect(declared.status).toBe(413);
    expect(declared.json).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const chunked = await send(port, {
      method: 'POST',
      path: '/api/submitScan',
      headers: jsonPost(token),
      body: [Buffer.from('{"text":"'), Buffer.alloc(40 * 1024, 0x41), Buffer.alloc(40 * 1024, 0x41), Buffer.from('"}')],
    });
    expect(chunked.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it.each(['{"amount":', 'not json', '\u0000', Buffer.from([0x7b, 0xff, 0x7d])])('answers 400 to the malformed body %j', async (body) => {
    const { port, token, calls } = await start();
    const reply = await send(port, { method: 'POST', path: '/api/startSale', headers: jsonPost(token), body });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(calls).toEqual([]);
  });

  it('names the bad field when the input fails its schema', async () => {
    const { port, token, calls } = await start();
    const badAmount = await send(port, {
      method: 'POST',
      path: '/api/startSale',
      headers: jsonPost(token),
      body: JSON.stringify({ amount: 0, currency: 392 }),
    });
    expect(badAmount.status).toBe(400);
    const error = (badAmount.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^amount: /);

    const stray = await send(port, {
      method: 'POST',
      path: '/api/startSale',
      headers: jsonPost(token),
      body: JSON.stringify({ amount: 1, currency: 392, tip: 5 }),
    });
    expect(stray.status).toBe(400);
    expect((stray.json as { error: { message: string } }).error.message).toContain('tip');
    expect(calls).toEqual([]);
  });

  it('keeps the ApiResult as the body of a refusal and maps its code to a status', async () => {
    const { port, token } = await start({
      cancelSale: () => ({ ok: false, error: { code: 'no_sale', message: 'no sale to cancel' } }),
      listScanners: () => ({ ok: false, error: { code: 'busy', message: 'try again' } }),
    });
    const conflict = await send(port, { method: 'POST', path: '/api/cancelSale', headers: jsonPost(token), body: '' });
    expect(conflict.status).toBe(409);
    expect(conflict.json).toEqual({ ok: false, error: { code: 'no_sale', message: 'no sale to cancel' } });
    const busy = await send(port, { path: '/api/listScanners', headers: bearer(token) });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    const missing = await send(port, {
      method: 'POST',
      path: '/api/refund',
      headers: jsonPost(token),
      body: JSON.stringify({ paymentId: '01890a5d-ac96-774b-bcce-b302099a8057', amount: 5 }),
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(refused);
  });

  it('answers 500 without details when a handler throws, and logs it', async () => {
    const { port, token, lines } = await start({
      status: () => {
        throw new Error('disk on fire at /var/lib/secret');
      },
    });
    const reply = await send(port, { path: '/api/status', headers: bearer(token) });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(reply.text).not.toContain('secret');
    expect(lines.join('\n')).toContain('disk on fire');
  });

  describe('static files', () => {
    it('serves index.html at / with the strict CSP, and assets with their types', async () => {
      const { port } = await start();
      const page = await send(port, { path: '/' });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>Tegata</title>');
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("media-src 'self' blob: mediastream:");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');

      const js = await send(port, { path: '/assets/app.js' });
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(js.text).toBe('export {};');
      const css = await send(port, { path: '/assets/app.css?v=1' });
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    });

    it.each([
      '/../package.json',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/package.json',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/%00',
      '/%E0%A4%A',
      '/escape.txt',
      '/.env',
      '/assets',
      '/assets/',
      '/missing.js',
    ])('does not serve %s', async (target) => {
      const { port } = await start();
      const reply = await send(port, { path: target });
      expect([400, 404]).toContain(reply.status);
      expect(reply.text).not.toContain('outside');
      expect(reply.text).not.toContain('SECRET');
    });

    it('answers 405 to a POST on a page and 404 without a staticDir', async () => {
      const withSite = await start();
      expect((await send(withSite.port, { method: 'POST', path: '/' })).status).toBe(405);
      const bare = await start({}, { staticDir: undefined });
      // `/` without a built screen is a page saying where to go (see the next test); the rest is 404.
      expect((await send(bare.port, { path: '/index.html' })).status).toBe(404);
      expect((await send(bare.port, { path: '/assets/app.js' })).status).toBe(404);
    });

    it('without a built screen, / is a small page saying what this is, behind the Host and Origin checks', async () => {
      const bare = await start({}, { staticDir: undefined });
      const page = await send(bare.port, { path: '/' });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('Tegata register');
      expect(page.text).toMatch(/cashier screen .*later release/);
      expect(page.text).toContain('tegata-terminal');
      expect(page.text).not.toContain(bare.token);
      expect(page.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect((await send(bare.port, { path: '/', host: 'evil.example' })).status).toBe(421);
      expect((await send(bare.port, { path: '/', headers: { Origin: 'http://evil.example' } })).status).toBe(403);
      expect((await send(bare.port, { path: '/', headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403);
      expect((await send(bare.port, { method: 'POST', path: '/' })).status).toBe(405);
      // The API still wants the token.
      expect((await send(bare.port, { path: '/api/status' })).status).toBe(401);
    });
  });

  describe('events', () => {
    it('refuses the upgrade with 421 for a rebinding Host and 403 for a foreign Origin', async () => {
      const { port, events } = await start();
      expect(await upgradeStatus(port, { Host: `evil.example:${port}` })).toBe(421);
      expect(await upgradeStatus(port, { Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' })).toBe(403);
      expect(await upgradeStatus(port, { Host: `127.0.0.1:${port}` }, '/api/other')).toBe(404);
      expect(events.listeners.size).toBe(0);
    });

    it('closes 4401 when no hello arrives in time', async () => {
      const { port, events } = await start({}, { helloTimeoutMs: 100 });
      const socket = await openEvents(port);
      const [code] = (await once(socket, 'close')) as [number];
      expect(code).toBe(4401);
      expect(events.listeners.size).toBe(0);
    });

    it.each([
      ['a wrong token', JSON.stringify({ type: 'hello', token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })],
      ['garbage', 'hello?'],
      ['an extra field', null],
    ])('closes 4401 on %s', async (_label, message) => {
      const { port, token, events } = await start();
      const socket = await openEvents(port);
      socket.send(message ?? JSON.stringify({ type: 'hello', token, also: 1 }));
      const [code] = (await once(socket, 'close')) as [number];
      expect(code).toBe(4401);
      expect(events.listeners.size).toBe(0);
    });

    it('sends every event after a good hello, and unsubscribes when the client leaves', async () => {
      const { port, token, events } = await start();
      const socket = await openEvents(port, `http://localhost:${port}`);
      const received: unknown[] = [];
      socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8'))));
      socket.send(JSON.stringify({ type: 'hello', token }));
      await vi.waitFor(() => expect(events.listeners.size).toBe(1));

      const changed: TerminalEvent = { type: 'sale_changed', sale: { state: 'idle' } };
      const scanner: TerminalEvent = { type: 'scanner_status', id: 'front', status: 'connected' };
      events.emit(changed);
      events.emit(scanner);
      await vi.waitFor(() => expect(received).toEqual([changed, scanner]));

      socket.close();
      await vi.waitFor(() => expect(events.unsubscribed).toBe(1));
      expect(events.listeners.size).toBe(0);
    });

    it('closes a client that keeps talking after hello', async () => {
      const { port, token, events } = await start();
      const socket = await openEvents(port);
      socket.send(JSON.stringify({ type: 'hello', token }));
      await vi.waitFor(() => expect(events.listeners.size).toBe(1));
      socket.send('more');
      const [code] = (await once(socket, 'close')) as [number];
      expect(code).toBe(1008);
      await vi.waitFor(() => expect(events.unsubscribed).toBe(1));
    });

    it('drops a client that falls more than 1 MiB behind', async () => {
      const { port, token, events, lines } = await start();
      const socket = await openEvents(port);
      socket.send(JSON.stringify({ type: 'hello', token }));
      await vi.waitFor(() => expect(events.listeners.size).toBe(1));
      const closed = once(socket, 'close');
      const preview = 'x'.repeat(256 * 1024);
      // Synchronously, so nothing drains between sends.
      for (let i = 0; i < 32; i += 1) {
        events.emit({ type: 'scan_received', source: 'replay', deviceId: 'd', at: i, preview, symbology: null });
      }
      const [code] = (await closed) as [number];
      expect(code).toBe(1006);
      expect(events.unsubscribed).toBe(1);
      expect(lines.join('\n')).toContain('cannot keep up');
    });

    it('drops a client that stops answering pings', async () => {
      const { port, token, events } = await start({}, { pingIntervalMs: 50 });
      const socket = await rawUpgrade(port);
      socket.resume();
      socket.write(maskedTextFrame(JSON.stringify({ type: 'hello', token })));
      await vi.waitFor(() => expect(events.listeners.size).toBe(1));
      await once(socket, 'close');
      await vi.waitFor(() => expect(events.unsubscribed).toBe(1));
    });

    it('closes clients with 1001 and unsubscribes them on close()', async () => {
      const { server, port, token, events } = await start();
      const socket = await openEvents(port);
      socket.send(JSON.stringify({ type: 'hello', token }));
      await vi.waitFor(() => expect(events.listeners.size).toBe(1));
      const closed = once(socket, 'close');
      await server.close();
      const [code] = (await closed) as [number];
      expect(code).toBe(1001);
      expect(events.unsubscribed).toBe(1);
      await expect(send(port, { path: '/' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// WebSocket helpers.

async function openEvents(port: number, origin?: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events`, origin === undefined ? {} : { origin });
  await once(socket, 'open');
  return socket;
}

const upgradeHeaders = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': Buffer.alloc(16, 7).toString('base64'),
};

/** The status of a refused upgrade, read as an ordinary HTTP response. */
function upgradeStatus(port: number, headers: Record<string, string>, target = '/api/events'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, setHost: false, agent: false, headers: { ...upgradeHeaders, ...headers } });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket: Duplex) => {
      socket.destroy();
      reject(new Error('the upgrade was accepted'));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket that never answers pings: the bare upgraded TCP socket. */
function rawUpgrade(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/api/events',
      setHost: false,
      agent: false,
      headers: { ...upgradeHeaders, Host: `127.0.0.1:${port}` },
    });
    req.on('upgrade', (_res, socket: Duplex) => resolve(socket));
    req.on('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** One client-to-server text frame (clients must mask, RFC 6455 §5.3). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 125) throw new RangeError('keep test frames short');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
