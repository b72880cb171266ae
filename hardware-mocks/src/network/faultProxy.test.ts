import { Agent, createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFaultProxy } from './faultProxy.js';
import type { FaultMode, FaultProxy, FaultProxyOptions, FaultProxyTimers, SteadyFaultKind, SteadyFaultMode } from './faultProxy.js';

/** The backend stand-in: counts what it sees, answers deterministically (no Date header). */
interface Upstream {
  port: number;
  connections: number;
  /** Requests whose handler ran (headers complete). */
  requests: number;
  /** Requests whose body arrived complete. */
  completed: number;
  /** Requests that closed before their body was complete. */
  incomplete: number;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const server: HttpServer = createHttpServer((req, res) => {
    upstream.requests++;
    res.sendDate = false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('close', () => {
      if (!req.complete) upstream.incomplete++;
    });
    req.on('end', () => {
      upstream.completed++;
      const url = new URL(req.url ?? '/', 'http://upstream');
      if (url.pathname === '/big') {
        res.end('x'.repeat(Number(url.searchParams.get('n'))));
      } else if (url.pathname === '/echo') {
        res.end(Buffer.concat(chunks));
      } else {
        res.end('hello from upstream');
      }
    });
  });
  server.on('connection', () => upstream.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream: Upstream = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    requests: 0,
    completed: 0,
    incomplete: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return upstream;
}

interface Reply {
  status: number;
  body: string;
}

/** One request on a fresh connection (no pooling, so each request sees the mode of its moment). */
function get(
  url: string,
  { method = 'GET', body, timeoutMs = 2000, agent = false }: { method?: string; body?: string; timeoutMs?: number; agent?: Agent | false } = {},
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(url, { method, agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** The error code a failing request ends with. */
async function failureOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  throw new Error('expected the request to fail');
}

/** Raw TCP: writes `bytes`, collects everything until the connection closes. */
function rawExchange(port: number, bytes: string): Promise<{ data: Buffer; error: string | undefined }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code;
    });
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), error }));
    socket.write(bytes);
  });
}

const GET_HELLO = 'GET /hello HTTP/1.1\r\nHost: upstream\r\nConnection: close\r\n\r\n';

/** Timers stepped by hand, with the clock they imply. */
class ManualTimers implements FaultProxyTimers {
  now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Fires, in time order, every timer due within `ms`. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= until && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setup(mode?: FaultMode, extra: Partial<FaultProxyOptions> = {}): Promise<{ upstream: Upstream; proxy: FaultProxy }> {
  const upstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: upstream.port }, mode, ...extra });
  cleanups.push(() => proxy.close());
  return { upstream, proxy };
}

describe('startFaultProxy', () => {
  it('listens on a loopback port and forwards both ways in pass mode', async () => {
    const { upstream, proxy } = await setup();
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(proxy.port).not.toBe(upstream.port);
    expect(proxy.mode).toEqual({ kind: 'pass' });

    const response = await fetch(`${proxy.url}/hello`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello from upstream');

    const body = 'abcdefghij'.repeat(50_000); // 500 kB each way: backpressure must not lose a byte
    const echoed = await get(`${proxy.url}/echo`, { method: 'POST', body });
    expect(echoed.body).toBe(body);

    const stats = proxy.stats;
    expect(stats.connections).toBe(2);
    expect(stats.connectionsByMode.pass).toBe(2);
    expect(stats.bytesToTarget).toBeGreaterThan(body.length);
    expect(stats.bytesToClient).toBeGreaterThan(body.length);
    expect(upstream.completed).toBe(2);
  });

  it('down: resets new connections at once and never reaches the target', async () => {
    const { upstream, proxy } = await setup({ kind: 'down' });
    const started = performance.now();
    const code = await failureOf(get(`${proxy.url}/hello`));
    expect(['ECONNRESET', 'EPIPE']).toContain(code);
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(`${proxy.url}/hello`)).rejects.toThrow();
    expect(upstream.connections).toBe(0);
    expect(proxy.stats.connectionsByMode.down).toBe(2);
  });

  it('blackhole: accepts, never answers, never closes, so the client times out', async () => {
    const { upstream, proxy } = await setup({ kind: 'blackhole' });
    const started = performance.now();
    expect(await failureOf(get(`${proxy.url}/hello`, { timeoutMs: 150 }))).toBe('TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(upstream.connections).toBe(0);
    // The client gave up and closed; the proxy lets go of its side too.
    await vi.waitFor(() => expect(proxy.stats.openConnections).toBe(0));

    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    let received = 0;
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('close', () => (closed = true));
    socket.write(GET_HELLO);
    await sleep(150);
    expect({ received, closed }).toEqual({ received: 0, closed: false });
    socket.destroy();
  });

  it('slow: delays each direction by the latency and caps the bandwidth', async () => {
    const latencyMs = 100;
    const bytesPerSecond = 20_000;
    const size = 4000;
    const { proxy } = await setup({ kind: 'slow', latencyMs, bytesPerSecond });

    const started = performance.now();
    const reply = await get(`${proxy.url}/big?n=${size}`);
    const elapsed = performance.now() - started;
    expect(reply.body).toHaveLength(size);
    // Request and response each pay the latency; the body alone needs size / rate on the wire.
    const floor = 2 * latencyMs + (size * 1000) / bytesPerSecond;
    expect(elapsed).toBeGreaterThanOrEqual(floor - 5);
    expect(elapsed).toBeLessThan(floor + 1500);

    proxy.setMode({ kind: 'slow', latencyMs, bytesPerSecond: Infinity });
    const latencyOnlyStart = performance.now();
    expect((await get(`${proxy.url}/big?n=${size}`)).body).toHaveLength(size);
    const latencyOnly = performance.now() - latencyOnlyStart;
    expect(latencyOnly).toBeGreaterThanOrEqual(2 * latencyMs - 5);
    expect(latencyOnly).toBeLessThan(elapsed);
  });

  it('cut_response: forwards the whole request but only the first N response bytes', async () => {
    const { upstream, proxy } = await setup();
    const whole = await rawExchange(proxy.port, GET_HELLO);
    expect(whole.data.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*hello from upstream$/);

    const afterBytes = whole.data.length - 7;
    proxy.setMode({ kind: 'cut_response', afterBytes });
    const cut = await rawExchange(proxy.port, GET_HELLO);
    expect(cut.data.equals(whole.data.subarray(0, afterBytes))).toBe(true);
    expect(upstream.completed).toBe(2);

    // An HTTP client sees a body that ends early, or no response at all if the cut is in the headers.
    proxy.setMode({ kind: 'cut_response', afterBytes: 500 }); // headers are ~100 bytes
    const response = await fetch(`${proxy.url}/big?n=1000`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('1000');
    await expect(response.text()).rejects.toThrow('terminated');
    proxy.setMode({ kind: 'cut_response', afterBytes: 10 });
    await expect(fetch(`${proxy.url}/hello`)).rejects.toThrow();
    expect(await failureOf(get(`${proxy.url}/hello`))).toBe('ECONNRESET'); // Node: "socket hang up"
  });

  it('reset_request: resets after N request bytes and never forwards the rest', async () => {
    // A raw upstream counts exactly what reaches it.
    let reached = 0;
    const raw: NetServer = createNetServer((socket) => {
      socket.on('data', (chunk: Buffer) => (reached += chunk.length));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => raw.close(() => resolve())));
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: (raw.address() as AddressInfo).port },
      mode: { kind: 'reset_request', afterBytes: 10 },
    });
    cleanups.push(() => proxy.close());

    const result = await rawExchange(proxy.port, 'x'.repeat(100));
    expect(result.error).toBe('ECONNRESET');
    expect(result.data).toHaveLength(0);
    await sleep(20);
    expect(reached).toBeLessThanOrEqual(10);
    expect(proxy.stats.bytesToTarget).toBe(10);
  });

  it('reset_request: an HTTP client gets ECONNRESET and the upstream never sees a complete request', async () => {
    const { upstream, proxy } = await setup({ kind: 'reset_request', afterBytes: 10 });
    expect(await failureOf(get(`${proxy.url}/echo`, { method: 'POST', body: 'b'.repeat(1000) }))).toBe('ECONNRESET');
    expect(upstream.requests).toBe(0);

    // Cut inside the body: the upstream parses the headers, then loses the connection.
    proxy.setMode({ kind: 'reset_request', afterBytes: 200 });
    expect(await failureOf(get(`${proxy.url}/echo`, { method: 'POST', body: 'b'.repeat(1000) }))).toBe('ECONNRESET');
    await vi.waitFor(() => expect(upstream.incomplete).toBe(1));
    expect(upstream.requests).toBe(1);
    expect(upstream.completed).toBe(0);

    proxy.setMode({ kind: 'reset_request', afterBytes: 0 });
    expect(await failureOf(get(`${proxy.url}/hello`))).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(upstream.completed).toBe(0);
  });

  it('passes the target’s refusal on as a reset', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: deadPort } });
    cleanups.push(() => proxy.close());
    expect(await failureOf(get(`${proxy.url}/hello`))).toMatch(/^(ECONNRESET|EPIPE)$/);
  });

  it('switches modes at runtime for new connections', async () => {
    const { proxy } = await setup();
    expect((await get(`${proxy.url}/hello`)).body).toBe('hello from upstream');
    proxy.setMode({ kind: 'down' });
    expect(proxy.mode).toEqual({ kind: 'down' });
    expect(await failureOf(get(`${proxy.url}/hello`))).toMatch(/^(ECONNRESET|EPIPE)$/);
    proxy.setMode({ kind: 'blackhole' });
    expect(await failureOf(get(`${proxy.url}/hello`, { timeoutMs: 100 }))).toBe('TIMEOUT');
    proxy.setMode({ kind: 'pass' });
    expect((await get(`${proxy.url}/hello`)).body).toBe('hello from upstream');
    expect(proxy.stats.connectionsByMode).toMatchObject({ pass: 2, down: 1, blackhole: 1 });
  });

  it('keeps existing connections in their mode unless asked to drop them', async () => {
    const { proxy } = await setup();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    expect((await get(`${proxy.url}/hello`, { agent })).body).toBe('hello from upstream');
    proxy.setMode({ kind: 'down' });
    // The kept-alive connection was accepted under pass, and stays so.
    expect((await get(`${proxy.url}/hello`, { agent })).body).toBe('hello from upstream');
    expect(proxy.stats.connections).toBe(1);

    proxy.setMode({ kind: 'down' }, { dropExisting: true });
    await vi.waitFor(() => expect(proxy.stats.openConnections).toBe(0));
    expect(await failureOf(get(`${proxy.url}/hello`, { agent }))).toMatch(/^(ECONNRESET|EPIPE)$/);

    // A blackholed connection stays hung after pass, until dropped.
    proxy.setMode({ kind: 'blackhole' });
    const hung = connect({ host: '127.0.0.1', port: proxy.port });
    let received = 0;
    hung.on('data', (chunk: Buffer) => (received += chunk.length));
    const closedWith = new Promise<string | undefined>((resolve) => {
      let code: string | undefined;
      hung.on('error', (error: NodeJS.ErrnoException) => (code = error.code));
      hung.on('close', () => resolve(code));
    });
    await new Promise<void>((resolve) => hung.once('connect', () => resolve()));
    proxy.setMode({ kind: 'pass' });
    hung.write(GET_HELLO);
    await sleep(100);
    expect(received).toBe(0);
    expect(hung.destroyed).toBe(false);
    proxy.setMode({ kind: 'pass' }, { dropExisting: true });
    expect(await closedWith).toBe('ECONNRESET');
    expect((await get(`${proxy.url}/hello`)).body).toBe('hello from upstream');
  });

  it('flap: the same seed gives the same sequence of modes, another seed another one', async () => {
    const upstream = await startUpstream();
    cleanups.push(() => upstream.close());
    const sequence = async (seed: number): Promise<SteadyFaultKind[]> => {
      const timers = new ManualTimers();
      const picks: SteadyFaultKind[] = [];
      const proxy = await startFaultProxy({
        target: { host: '127.0.0.1', port: upstream.port },
        mode: { kind: 'flap', periodMs: 500 },
        seed,
        timers,
        clock: { now: () => timers.now },
        onFlap: (mode, pick) => {
          expect(pick).toBe(picks.length);
          picks.push(mode.kind);
        },
      });
      expect(proxy.mode).toEqual({ kind: 'flap', periodMs: 500 });
      timers.advance(499);
      expect(picks).toHaveLength(1); // the first pick is made at once
      timers.advance(1 + 500 * 38);
      expect(proxy.activeMode.kind).toBe(picks.at(-1));
      expect(proxy.stats.flapPicks).toBe(40);
      await proxy.close();
      timers.advance(5000);
      expect(picks).toHaveLength(40); // close() stops flapping
      return picks;
    };

    const first = await sequence(42);
    expect(await sequence(42)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['pass', 'down', 'blackhole']));
    expect(await sequence(43)).not.toEqual(first);
  });

  it('flap: each new connection gets the mode picked at the time', async () => {
    const timers = new ManualTimers();
    const { proxy } = await setup(
      { kind: 'flap', periodMs: 1000, modes: [{ kind: 'pass' }, { kind: 'down' }] },
      { seed: 1, timers, clock: { now: () => timers.now } },
    );
    const seen = new Set<string>();
    for (let period = 0; period < 12; period++) {
      const active = proxy.activeMode.kind;
      seen.add(active);
      if (active === 'pass') expect((await get(`${proxy.url}/hello`)).body).toBe('hello from upstream');
      else expect(await failureOf(get(`${proxy.url}/hello`))).toMatch(/^(ECONNRESET|EPIPE)$/);
      timers.advance(1000);
    }
    expect(seen).toEqual(new Set(['pass', 'down'])); // seed 1 visits both within 12 periods
    proxy.setMode({ kind: 'pass' });
    const picks = proxy.stats.flapPicks;
    timers.advance(5000);
    expect(proxy.stats.flapPicks).toBe(picks); // leaving flap stops the timer
    expect(proxy.activeMode).toEqual({ kind: 'pass' });
  });

  it('rejects invalid modes', async () => {
    const { proxy } = await setup();
    expect(() => proxy.setMode({ kind: 'slow', latencyMs: -1, bytesPerSecond: 100 })).toThrow(RangeError);
    expect(() => proxy.setMode({ kind: 'slow', latencyMs: 1, bytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => proxy.setMode({ kind: 'cut_response', afterBytes: 1.5 })).toThrow(RangeError);
    expect(() => proxy.setMode({ kind: 'flap', periodMs: 0 })).toThrow(RangeError);
    expect(() => proxy.setMode({ kind: 'flap', periodMs: 10, modes: [] })).toThrow(RangeError);
    const nested = [{ kind: 'flap', periodMs: 5 }] as unknown as SteadyFaultMode[];
    expect(() => proxy.setMode({ kind: 'flap', periodMs: 10, modes: nested })).toThrow(RangeError);
    expect(proxy.mode).toEqual({ kind: 'pass' });
    await expect(
      startFaultProxy({ target: { host: '127.0.0.1', port: 1 }, mode: { kind: 'reset_request', afterBytes: -1 } }),
    ).rejects.toThrow(RangeError);
  });

  it('close() drops every connection, frees the port and is idempotent', async () => {
    const { proxy } = await setup({ kind: 'blackhole' });
    const hung = connect({ host: '127.0.0.1', port: proxy.port });
    hung.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => hung.on('close', () => resolve()));
    await new Promise<void>((resolve) => hung.once('connect', () => resolve()));
    await Promise.all([proxy.close(), proxy.close()]);
    await closed;
    expect(() => proxy.setMode({ kind: 'pass' })).toThrow(/closed/);
    expect(await failureOf(get(`${proxy.url}/hello`))).toBe('ECONNREFUSED');
  });
});
