import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSimSwapProvider, httpSimSwapProvider } from './simSwapProvider.js';

interface Seen {
  path: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => resolve(text));
  });
}

describe('the CAMARA-shaped HTTP SIM-swap provider', () => {
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      void readBody(request).then((text) => {
        seen.push({ path: request.url, authorization: request.headers.authorization, body: JSON.parse(text) as unknown });
        response.setHeader('content-type', 'application/json');
        if (request.url === '/sim-swap/v1/check') response.end(JSON.stringify({ swapped: (JSON.parse(text) as { phoneNumber: string }).phoneNumber === '+819011112222' }));
        else if (request.url === '/sim-swap/v1/retrieve-date') response.end(JSON.stringify({ latestSimChange: '2026-12-01T10:00:00.000Z' }));
        else if (request.url === '/slow/check') setTimeout(() => response.end('{"swapped":false}'), 2000);
        else {
          response.statusCode = 500;
          response.end('{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts { phoneNumber, maxAge } to …/check and { phoneNumber } to …/retrieve-date with the OAuth bearer token', async () => {
    const provider = httpSimSwapProvider({ url: `${url}/sim-swap/v1/`, token: 'oauth-token-1' });
    const signal = new AbortController().signal;
    expect(await provider.check('+819011112222', 72, signal)).toBe(true);
    expect(await provider.check('+819033334444', 72, signal)).toBe(false);
    expect(await provider.retrieveDate('+819011112222', signal)).toBe(Date.parse('2026-12-01T10:00:00.000Z'));
    expect(seen).toEqual([
      { path: '/sim-swap/v1/check', authorization: 'Bearer oauth-token-1', body: { phoneNumber: '+819011112222', maxAge: 72 } },
      { path: '/sim-swap/v1/check', authorization: 'Bearer oauth-token-1', body: { phoneNumber: '+819033334444', maxAge: 72 } },
      { path: '/sim-swap/v1/retrieve-date', authorization: 'Bearer oauth-token-1', body: { phoneNumber: '+819011112222' } },
    ]);
  });

  it('rejects on an error status, an unexpected body, or an abort — never answers "clean" for them', async () => {
    const signal = new AbortController().signal;
    await expect(httpSimSwapProvider({ url: `${url}/broken`, token: 't' }).check('+819011112222', 72, signal)).rejects.toThrow(/500/);
    const slow = httpSimSwapProvider({ url: `${url}/slow`, token: 't' });
    await expect(slow.check('+819011112222', 72, AbortSignal.timeout(50))).rejects.toThrow();
  });

  it('the fake answers from the changes set on it, within maxAge hours', async () => {
    let now = 1_000_000_000_000;
    const fake = new FakeSimSwapProvider(() => now);
    const signal = new AbortController().signal;
    fake.swap('+819011112222');
    expect(await fake.check('+819011112222', 72, signal)).toBe(true);
    now += 73 * 3_600_000;
    expect(await fake.check('+819011112222', 72, signal)).toBe(false);
    fake.setMode('fail');
    await expect(fake.check('+819011112222', 72, signal)).rejects.toThrow();
  });
});
