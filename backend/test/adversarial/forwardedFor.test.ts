/**
 * Adversarial: X-Forwarded-For from the client. The backend sits behind a proxy (here a small
 * one on 127.0.0.1 that appends the address it saw, as a load balancer does) and believes only
 * that proxy. An attacker who writes a new X-Forwarded-For into every request is still one
 * address: the 2,000-attempt attack that once got 820 real password checks through a backend
 * that believed everyone gets a handful, and is flagged. Attempts from new real addresses
 * against one login name are flagged by the login name's own count.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@tegata/hardware-mocks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccountWithWallet } from '../../src/domain/accounts.js';
import { loginKey, parseLogin } from '../../src/domain/accounts/contacts.js';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { inTransaction } from '../../src/db/database.js';
import { TEST_DIALECTS } from '../databases.js';
import { startTestBackend, TEST_SCRYPT_LOG_N, type TestBackend } from '../harness.js';

const ATTEMPTS = 2_000;
const CUSTOMERS = 40;
const PACE_MS = 3_600; // the attacker's pace; it ignores Retry-After

/** A reverse proxy that appends the peer's address to X-Forwarded-For, as a load balancer does. */
async function startProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    const seen = req.socket.remoteAddress ?? '';
    const given = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = typeof given === 'string' && given !== '' ? `${given}, ${seen}` : seen;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, localAddress: '127.0.0.1' },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** POST /v1/sessions through the proxy from `localAddress`, claiming `forwardedFor`. */
function login(proxyUrl: string, localAddress: string, forwardedFor: string, body: unknown): Promise<number> {
  const url = new URL('/v1/sessions', proxyUrl);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-forwarded-for': forwardedFor },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe.each(TEST_DIALECTS)('forwarded addresses on %s', (dialect) => {
  let t: TestBackend;
  let proxy: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { trustProxy: ['127.0.0.1'] } });
    proxy = await startProxy(t.url);
  });
  afterAll(async () => {
    await proxy.close();
    await t.close();
  });

  async function customers(count: number, label: string) {
    const ctx = t.backend.context;
    const made: { accountId: string; email: string; password: string }[] = [];
    for (let i = 0; i < count; i++) {
      const email = `${label}${i}@example.test`;
      const password = `${label} passphrase ${i}`;
      const passwordHash = await hashPassword(password, { logN: TEST_SCRYPT_LOG_N, r: 8, p: 1 }, ctx.random);
      const { accountId } = await inTransaction(ctx.db, (trx) =>
        insertAccountWithWallet(ctx, trx, { phone: `+8180${label.length}${String(1_000_000 + i).padStart(7, '0')}`, email, passwordHash, verified: true, risk: 'new', currency: 392 }),
      );
      made.push({ accountId, email, password });
    }
    return made;
  }

  it('2,000 attempts with a new X-Forwarded-For each: one address, a handful of password checks, flagged', async () => {
    const random = seededRandom('forwarded-for');
    const victims = await customers(CUSTOMERS, 'fwd');
    // The leaked list: one pair per login name, our customers' among them (two with the real password).
    const pairs = victims.map((v, i) => ({ login: v.email, password: i < 2 ? v.password : `leaked-${random.next()}` }));
    while (pairs.length < ATTEMPTS) pairs.push({ login: `someone${random.next()}@elsewhere.test`, password: `leaked-${random.next()}` });
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
    }
    const statuses = new Map<number, number>();
    for (const [i, body] of pairs.entries()) {
      // A fresh spoofed address in a fresh /24 for every attempt.
      const spoofed = `10.${(i >> 8) & 255}.${i & 255}.${1 + random.int(250)}`;
      const status = await login(proxy.url, '127.0.0.2', spoofed, body);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      t.clock.advance(PACE_MS);
    }
    const checked = (statuses.get(401) ?? 0) + (statuses.get(200) ?? 0);
    // The default backend without a proxy allows about 26 over these two hours; so does this one.
    expect(checked).toBeGreaterThan(10);
    expect(checked).toBeLessThanOrEqual(30);
    expect(statuses.get(429)).toBe(ATTEMPTS - checked);
    expect([...statuses.keys()].sort()).toEqual([...statuses.keys()].filter((s) => [200, 401, 429].includes(s)).sort());

    const db = t.backend.db.kysely;
    // The address the proxy saw is the client's, whatever the client wrote.
    const throttled = await db.selectFrom('throttles').select('key').where('key', 'like', 'login:ip:%').execute();
    expect(throttled.map((r) => r.key)).toEqual(['login:ip:127.0.0.2']);
    const challenges = await db.selectFrom('login_challenges').select('ip').execute();
    for (const c of challenges) expect(c.ip).toBe('127.0.0.2');
    const flags = await db.selectFrom('flags').select(['kind', 'subject']).where('kind', '=', 'credential_stuffing').execute();
    expect(flags).toEqual([{ kind: 'credential_stuffing', subject: 'network:127.0.0.0/24' }]);
  });

  it('guesses at one login name from a new real address each time are flagged by the name’s own count', async () => {
    const [victim] = await customers(1, 'spray');
    if (victim === undefined) throw new Error('no victim');
    const threshold = t.backend.context.config.throttle.loginNameFailureThreshold;
    let failures = 0;
    for (let i = 0; failures < threshold + 5; i++) {
      // Each attempt really comes from another address, in another /24 (a botnet).
      const status = await login(proxy.url, `127.${1 + (i % 250)}.${1 + Math.floor(i / 250)}.9`, '', { login: victim.email, password: `guess ${i}` });
      if (status === 401) failures++;
      else expect(status).toBe(429);
      t.clock.advance(15 * 60_000); // the botnet waits out the login name's delay
    }
    const name = loginKey(parseLogin(victim.email) ?? { kind: 'email', value: victim.email });
    const flags = await t.backend.db.kysely.selectFrom('flags').selectAll().where('kind', '=', 'login_failure_surge').execute();
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ subject: `login:${name}` });
    expect(JSON.parse(flags[0]?.detail ?? '{}')).toEqual({ loginName: name, accountId: victim.accountId, failures: threshold });
  });
});
