import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../network/faultProxy.js';
import type { FaultProxy } from '../network/faultProxy.js';
import { parseFaultCommand, runFaultProxyCli } from './runFaultProxyCli.js';
import type { FaultProxyCliIo } from './runFaultProxyCli.js';

interface Captured {
  io: FaultProxyCliIo;
  out: string[];
  err: string[];
  stop: (reason: string) => void;
}

function capture(lines: AsyncIterable<string>): Captured {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  return { io: { stdout: (line) => out.push(line), stderr: (line) => err.push(line), lines, stopped }, out, err, stop };
}

async function* noLines(): AsyncGenerator<string> {}

/** Resolves to the status code, or to the error code of a failed request. */
function status(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('parseFaultCommand', () => {
  it('reads every mode, with or without --drop', () => {
    expect(parseFaultCommand('pass')).toEqual({ type: 'mode', mode: { kind: 'pass' }, dropExisting: false });
    expect(parseFaultCommand('  down --drop ')).toEqual({ type: 'mode', mode: { kind: 'down' }, dropExisting: true });
    expect(parseFaultCommand('blackhole')).toMatchObject({ mode: { kind: 'blackhole' } });
    expect(parseFaultCommand('slow 200 10000')).toMatchObject({ mode: { kind: 'slow', latencyMs: 200, bytesPerSecond: 10000 } });
    expect(parseFaultCommand('slow 200')).toMatchObject({ mode: { kind: 'slow', latencyMs: 200, bytesPerSecond: Infinity } });
    expect(parseFaultCommand('cut 100')).toMatchObject({ mode: { kind: 'cut_response', afterBytes: 100 } });
    expect(parseFaultCommand('reset 10')).toMatchObject({ mode: { kind: 'reset_request', afterBytes: 10 } });
    expect(parseFaultCommand('flap 500')).toEqual({ type: 'mode', mode: { kind: 'flap', periodMs: 500 }, dropExisting: false });
    expect(parseFaultCommand('flap 500 pass down')).toMatchObject({
      mode: { kind: 'flap', periodMs: 500, modes: [{ kind: 'pass' }, { kind: 'down' }] },
    });
    expect(parseFaultCommand('stats')).toEqual({ type: 'stats' });
    expect(parseFaultCommand('quit')).toEqual({ type: 'quit' });
    expect(parseFaultCommand('exit')).toEqual({ type: 'quit' });
  });

  it('refuses malformed commands', () => {
    for (const line of ['', 'nope', 'toString', 'pass 1', 'slow', 'slow x', 'slow 1 2 3', 'cut', 'reset 1 2', 'flap', 'flap 5 constructor', 'stats now']) {
      expect(() => parseFaultCommand(line), line).toThrow();
    }
  });
});

describe('runFaultProxyCli', () => {
  it('exits 2 with the usage text on bad arguments', async () => {
    for (const argv of [[], ['--target', 'nohost'], ['--target', '127.0.0.1:99999'], ['--target', 'h:1', '--bogus'], ['--target', 'h:1', '--mode', 'stats'], ['--target', 'h:1', '--seed', '1.5'], ['--target', 'h:1', 'extra']]) {
      const { io, err } = capture(noLines());
      expect(await runFaultProxyCli(argv, io), argv.join(' ')).toBe(2);
      expect(err.join('\n')).toContain('Usage: tegata-fault-proxy');
    }
    const { io, out } = capture(noLines());
    expect(await runFaultProxyCli(['--help'], io)).toBe(0);
    expect(out[0]).toContain('Usage: tegata-fault-proxy');
  });

  it('runs the proxy and applies the commands read from stdin', async () => {
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    const target = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    let proxy: FaultProxy | undefined;
    const observed: (number | string)[] = [];
    async function* session(): AsyncGenerator<string> {
      observed.push(await status(proxy!.url));
      yield 'down';
      observed.push(await status(proxy!.url));
      yield 'bogus';
      yield 'cut 0';
      observed.push(await status(proxy!.url));
      yield 'pass --drop';
      observed.push(await status(proxy!.url));
      yield 'stats';
      yield 'quit';
      yield 'never read';
    }
    const { io, out, err } = capture(session());
    const code = await runFaultProxyCli(['--target', target, '--mode', 'pass', '--seed', '3'], io, async (options) => {
      proxy = await startFaultProxy(options);
      return proxy;
    });

    expect(code).toBe(0);
    expect(observed[0]).toBe(200);
    expect(observed[1]).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(observed[2]).toBe('ECONNRESET'); // cut before the first response byte: "socket hang up"
    expect(observed[3]).toBe(200);
    expect(out[0]).toBe(`listening ${proxy!.url} -> ${target} (mode pass, seed 3)`);
    expect(out).toContain('mode: down');
    expect(out).toContain('mode: cut_response after 0B');
    expect(out.some((line) => /^mode: pass \(reset \d+ open connections?\)$/.test(line))).toBe(true);
    const stats = JSON.parse(out.find((line) => line.startsWith('{')) ?? '{}') as { connections: number };
    expect(stats).toMatchObject({ mode: { kind: 'pass' }, connections: 4 });
    expect(err).toEqual(['error: unknown command "bogus" (try help)']);
    expect(out.at(-1)).toBe('closed');
    expect(await status(proxy!.url)).toBe('ECONNREFUSED');
  });

  it('prints flap picks, keeps running after end of input and stops on a signal', async () => {
    const { io, out, stop } = capture(noLines());
    const running = runFaultProxyCli(['--target', '127.0.0.1:9', '--mode', 'flap 20', '--seed', '5'], io);
    await expect.poll(() => out.filter((line) => line.startsWith('flap #')).length).toBeGreaterThanOrEqual(3);
    expect(out).toContain('end of input: running until interrupted (Ctrl-C)');
    stop('SIGTERM');
    expect(await running).toBe(0);
    expect(out.slice(-2)).toEqual(['stopping: SIGTERM', 'closed']);
  });

  it('exits 1 when it cannot listen', async () => {
    const busy = await startFaultProxy({ target: { host: '127.0.0.1', port: 9 } });
    cleanups.push(() => busy.close());
    const { io, err } = capture(noLines());
    expect(await runFaultProxyCli(['--target', '127.0.0.1:9', '--listen', String(busy.port)], io)).toBe(1);
    expect(err[0]).toMatch(/cannot start: .*EADDRINUSE/);
  });
});
