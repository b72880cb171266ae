import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifySignedRequest, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { FIXTURE_NOW, fixtureBundle, fixtureIdentity } from '../../../test/helpers/coreHarness.js';
import { BackendClient, BackendError } from './backendClient.js';

/** What the server saw: the request line's target exactly as received, and the body bytes. */
interface Received {
  method: string;
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
type Handler = (request: Received, response: ServerResponse) => void;

interface TestServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', target: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      received.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = { url: `http://127.0.0.1:${port}`, received, close: () => closeServer(server) };
  servers.push(handle);
  return handle;
}

function json(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

const NOW_MS = FIXTURE_NOW * 1000 + 123;
const identity = fixtureIdentity();

function client(url: string, options: { signed?: boolean } = {}): BackendClient {
  return new BackendClient({
    baseUrl: url,
    ed25519: nodeEd25519,
    // A fraction on purpose: the signed timestamp must be whole milliseconds.
    nowMs: () => NOW_MS + 0.6,
    ...(options.signed === false ? {} : { credentials: { terminalId: identity.terminalId, seed: identity.seed } }),
  });
}

/** Verifies as the backend does: over the request target and body bytes exactly as received. */
function verify(request: Received, target = request.target) {
  return verifySignedRequest(nodeEd25519, {
    kind: 'terminal',
    method: request.method,
    target,
    headers: request.headers,
    body: new Uint8Array(request.body),
    nowMs: NOW_MS,
    lookupKey: (id) => (id === identity.terminalId ? { publicKey: identity.publicKey, revoked: false } : undefined),
  });
}

const tegataHeaders = (headers: IncomingHttpHeaders): string[] => Object.keys(headers).filter((name) => name.startsWith('tegata-'));

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const error: unknown = await promise.then(
    (value) => {
      throw new Error(`expected a BackendError, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

const HASH = 'ab'.repeat(32);
const record: JournalRecord = {
  id: '0190f5a8-0000-7000-8000-000000000001',
  terminalId: identity.terminalId,
  seq: 1,
  kind: 'payment',
  createdAt: NOW_MS,
  amount: 1200,
  currency: 392,
  token: null,
  decision: 'declined',
  reason: 'malformed',
  ref: null,
  trustSerial: 42,
  authorization: null,
  prevHash: GENESIS_HASH,
  hash: HASH,
  signature: 'A'.repeat(86),
};

describe('BackendClient signed requests (PROTOCOL.md §6)', () => {
  it('signs GET trust?serial= over the target as received, and the query is covered', async () => {
    const server = await startServer((_, response) => json(response, 200, fixtureBundle));
    const bundle = await client(server.url).trust(42, 1_000);
    expect(bundle).toEqual(fixtureBundle);
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'GET', target: '/v1/terminal/trust?serial=42' });
    expect(request!.headers['tegata-terminal']).toBe(identity.terminalId);
    expect(request!.headers['tegata-timestamp']).toBe(String(NOW_MS));
    expect(request!.headers['tegata-signature']).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verify(request!)).toEqual({ ok: true, principalId: identity.terminalId, timestampMs: NOW_MS });
    // The signature binds the query: the same headers do not verify for another serial.
    expect(verify(request!, '/v1/terminal/trust?serial=43')).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('asks for trust without a query when it holds no bundle yet', async () => {
    const server = await startServer((_, response) => json(response, 200, fixtureBundle));
    await client(server.url).trust(null, 1_000);
    expect(server.received[0]!.target).toBe('/v1/terminal/trust');
    expect(verify(server.received[0]!)).toMatchObject({ ok: true });
  });

  it('answers null when the bundle is current (204)', async () => {
    const server = await startServer((_, response) => {
      response.writeHead(204);
      response.end();
    });
    expect(await client(server.url).trust(42, 1_000)).toBeNull();
    expect(verify(server.received[0]!)).toMatchObject({ ok: true });
  });

  it('signs GET outcomes?after= with the cursor encoded exactly as sent', async () => {
    const server = await startServer((_, response) => json(response, 200, { outcomes: [{ id: record.id, outcome: 'settled', at: 5 }], cursor: '17' }));
    const page = await client(server.url).outcomes('12/3+4=5 6', 1_000);
    expect(page).toEqual({ outcomes: [{ id: record.id, outcome: 'settled', at: 5 }], cursor: '17' });
    const [request] = server.received;
    expect(request!.target).toBe('/v1/terminal/outcomes?after=12%2F3%2B4%3D5%206');
    expect(verify(request!)).toMatchObject({ ok: true });
  });

  // The URL parser percent-encodes `'` in a query; the signature must cover what is sent.
  it("signs the request target it actually sends, even for a cursor with an apostrophe", async () => {
    const server = await startServer((_, response) => json(response, 200, { outcomes: [], cursor: "it's" }));
    await client(server.url).outcomes("it's", 1_000);
    expect(verify(server.received[0]!)).toMatchObject({ ok: true });
  });

  it('signs POST journal over the body bytes exactly as sent', async () => {
    const reply = { results: [{ id: record.id, status: 'accepted' }], head: { seq: 1, hash: HASH } };
    const server = await startServer((_, response) => json(response, 200, reply));
    expect(await client(server.url).journal([record], 1_000)).toEqual(reply);
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', target: '/v1/terminal/journal' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body.toString('utf8'))).toEqual({ records: [record] });
    expect(verify(request!)).toMatchObject({ ok: true });
    // One byte more in the body and the signature no longer holds.
    expect(verify({ ...request!, body: Buffer.concat([request!.body, Buffer.from(' ')]) })).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('signs POST authorize and GET head', async () => {
    const server = await startServer((request, response) =>
      request.target === '/v1/terminal/head'
        ? json(response, 200, { seq: 3, hash: HASH })
        : json(response, 200, { authorization: 'auth-1', decision: 'declined', reason: 'insufficient_funds' }),
    );
    const api = client(server.url);
    const sale = { saleId: record.id, token: 'TG1XYZ', amount: 500, currency: 392 };
    expect(await api.authorize(sale, 1_000)).toEqual({ authorization: 'auth-1', decision: 'declined', reason: 'insufficient_funds' });
    expect(await api.head(1_000)).toEqual({ seq: 3, hash: HASH });
    expect(server.received.map((request) => `${request.method} ${request.target}`)).toEqual(['POST /v1/terminal/authorize', 'GET /v1/terminal/head']);
    expect(JSON.parse(server.received[0]!.body.toString('utf8'))).toEqual(sale);
    for (const request of server.received) expect(verify(request)).toMatchObject({ ok: true });
  });

  it('sends time and enroll unsigned, even when it holds credentials', async () => {
    const enrolled = { terminalId: 'term-1', storeId: 'store-1', rootPublicKey: 'cm9vdA', trust: fixtureBundle };
    const server = await startServer((request, response) =>
      request.target === '/v1/time' ? json(response, 200, { now: NOW_MS + 5 }) : json(response, 201, enrolled),
    );
    for (const api of [client(server.url), client(server.url, { signed: false })]) {
      expect(await api.time(1_000)).toBe(NOW_MS + 5);
      expect(await api.enroll({ code: 'ABCD-EFGH', publicKey: 'cHVi', name: 'Till 1' }, 1_000)).toEqual(enrolled);
    }
    expect(server.received.map((request) => `${request.method} ${request.target}`)).toEqual([
      'GET /v1/time',
      'POST /v1/terminals/enroll',
      'GET /v1/time',
      'POST /v1/terminals/enroll',
    ]);
    for (const request of server.received) expect(tegataHeaders(request.headers)).toEqual([]);
    expect(JSON.parse(server.received[1]!.body.toString('utf8'))).toEqual({ code: 'ABCD-EFGH', publicKey: 'cHVi', name: 'Till 1' });
  });

  it('refuses to make a signed call without credentials, sending nothing', async () => {
    const server = await startServer((_, response) => json(response, 200, { seq: 0, hash: GENESIS_HASH }));
    await expect(client(server.url, { signed: false }).head(1_000)).rejects.toThrow(/not enrolled/);
    expect(server.received).toEqual([]);
  });
});

describe('BackendClient failures', () => {
  it('turns a problem+json refusal into an http error with status, code and server time', async () => {
    const server = await startServer((_, response) =>
      json(
        response,
        401,
        { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'timestamp_out_of_window', serverTime: NOW_MS + 400_000 },
        'application/problem+json',
      ),
    );
    const error = await failure(client(server.url).outcomes('0', 1_000));
    expect(error).toMatchObject({ kind: 'http', status: 401, code: 'timestamp_out_of_window', serverTimeMs: NOW_MS + 400_000 });
    // The message names the route, not the query.
    expect(error.message).toContain('GET /v1/terminal/outcomes: 401 Unauthorized (timestamp_out_of_window)');
    expect(error.message).not.toContain('after=');
  });

  it('keeps code null and serverTime null when the problem carries neither', async () => {
    const server = await startServer((_, response) => json(response, 403, { title: 'Forbidden', status: 403 }, 'application/problem+json'));
    expect(await failure(client(server.url).head(1_000))).toMatchObject({ kind: 'http', status: 403, code: null, serverTimeMs: null });
  });

  it('rejects answers that do not match the schema as invalid_response', async () => {
    const replies: Record<string, unknown> = {
      '/v1/terminal/journal': { results: [{ id: record.id, status: 'maybe' }], head: { seq: 1, hash: HASH } },
      '/v1/terminal/head': { seq: -1, hash: HASH },
      '/v1/terminal/authorize': { authorization: 'a', decision: 'approved?' },
      '/v1/terminal/outcomes?after=0': { outcomes: [] },
      '/v1/terminal/trust?serial=42': { format: 'tegata-trust/1' },
      '/v1/terminals/enroll': { terminalId: 'term-1' },
    };
    const server = await startServer((request, response) => json(response, 200, replies[request.target] ?? {}));
    const api = client(server.url);
    const calls: (() => Promise<unknown>)[] = [
      () => api.journal([record], 1_000),
      () => api.head(1_000),
      () => api.authorize({ saleId: record.id, token: 'TG1X', amount: 1, currency: 392 }, 1_000),
      () => api.outcomes('0', 1_000),
      () => api.trust(42, 1_000),
      () => api.enroll({ code: 'c', publicKey: 'p', name: 'n' }, 1_000),
    ];
    for (const call of calls) expect(await failure(call())).toMatchObject({ kind: 'invalid_response' });
    expect(server.received).toHaveLength(calls.length);
  });

  it('rejects a malformed time answer as invalid_response too', async () => {
    const server = await startServer((_, response) => json(response, 200, { now: 'soon' }));
    expect(await failure(client(server.url).time(1_000))).toMatchObject({ kind: 'invalid_response' });
  });

  it('times out within the given milliseconds when the server never answers', async () => {
    const server = await startServer(() => undefined);
    const started = performance.now();
    const error = await failure(client(server.url).head(200));
    const elapsed = performance.now() - started;
    expect(error.kind).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
    expect(server.received).toHaveLength(1);
  });

  it('times out when the headers arrive but the body never finishes', async () => {
    const server = await startServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"now":');
    });
    const started = performance.now();
    expect(await failure(client(server.url).time(200))).toMatchObject({ kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection as a network error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await closeServer(probe);
    const error = await failure(client(`http://127.0.0.1:${port}`).time(1_000));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });

  const reply = JSON.stringify({ results: [{ id: record.id, status: 'accepted' }], head: { seq: 1, hash: HASH } });
  const cuts: Record<string, (response: ServerResponse) => void> = {
    'half the body under a Content-Length': (response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.length) });
      response.write(reply.slice(0, reply.length / 2));
    },
    'half the body, chunked': (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(reply.slice(0, reply.length / 2));
    },
    'all of the JSON but one byte of its Content-Length': (response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.length + 1) });
      response.write(reply);
    },
    'all of the JSON, chunked, without the last chunk': (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(reply);
    },
  };
  for (const [name, cut] of Object.entries(cuts)) {
    it(`fails, never half-parses, when the socket dies after ${name}`, async () => {
      const server = await startServer((_, response) => {
        cut(response);
        // Let the bytes leave before the connection is torn down.
        setTimeout(() => response.socket?.destroy(), 20);
      });
      const error = await failure(client(server.url).journal([record], 2_000));
      expect(['invalid_response', 'network']).toContain(error.kind);
    });
  }
});

describe('abort', () => {
  it('ends a request in flight at once, and later calls work again', async () => {
    const server = await startServer(() => undefined); // never answers
    const client = new BackendClient({ baseUrl: server.url, ed25519: nodeEd25519, nowMs: () => Date.now() });
    const began = performance.now();
    const pending = client.time(10_000);
    setTimeout(() => client.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'BackendError' });
    expect(performance.now() - began).toBeLessThan(2_000);
    await server.close();
  });
});
