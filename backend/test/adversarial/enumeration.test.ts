/**
 * Adversarial: account enumeration. For sign-up, login and password reset, a phone number or
 * e-mail address that has an account and one that has none get the same status, the same body
 * and the same time (within noise: medians of interleaved samples). scrypt is at a realistic
 * cost here (2^13), so skipping it for unknown logins would show as a difference far beyond
 * the tolerance — the test checks that it could.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccountWithWallet } from '../../src/domain/accounts.js';
import { hashPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';
import { inTransaction } from '../../src/db/database.js';
import { TEST_DIALECTS } from '../databases.js';
import { call, type JsonResponse } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const SAMPLES = 24;
const SCRYPT = { logN: 13, r: 8, p: 1 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Sample {
  ms: number;
  reply: JsonResponse;
}

describe.each(TEST_DIALECTS)('no account enumeration on %s', (dialect) => {
  let t: TestBackend;
  let scryptMs = 0;
  const existing: { phone: string; email: string }[] = [];
  let ip = 0;
  const nextIp = () => ({ 'x-forwarded-for': `10.${dialect === 'sqlite' ? 1 : 2}.${++ip >> 8}.${ip & 255}` });

  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { trustProxy: true, accounts: { scryptLogN: SCRYPT.logN } } });
    const ctx = t.backend.context;
    for (let i = 0; i < SAMPLES + 2; i++) {
      const phone = `+8160${String(4_000_000 + i).padStart(8, '0')}`;
      const email = `known${i}@example.test`;
      const passwordHash = await hashPassword(`real password ${i}`, SCRYPT, ctx.random);
      await inTransaction(ctx.db, (trx) => insertAccountWithWallet(ctx, trx, { phone, email, passwordHash, verified: true, currency: 392 }));
      existing.push({ phone, email });
    }
    const started = performance.now();
    for (let i = 0; i < 5; i++) await verifyPassword(undefined, 'x', SCRYPT);
    scryptMs = (performance.now() - started) / 5;
  });
  afterAll(async () => {
    await t.close();
  });

  async function timed(method: string, path: string, body: unknown): Promise<Sample> {
    const started = performance.now();
    const reply = await call(t, method, path, { body, headers: nextIp() });
    return { ms: performance.now() - started, reply };
  }

  /**
   * Interleaved (ABBA) so drift hits both sides alike; the first pair warms up and is dropped.
   * Returns both sides' samples and the tolerance the medians must meet.
   */
  async function compare(known: (i: number) => Promise<Sample>, unknown: (i: number) => Promise<Sample>) {
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      if (i % 2 === 0) {
        a.push(await known(i));
        b.push(await unknown(i));
      } else {
        b.push(await unknown(i));
        a.push(await known(i));
      }
    }
    const ma = median(a.slice(1).map((s) => s.ms));
    const mb = median(b.slice(1).map((s) => s.ms));
    const tolerance = Math.max(3, 0.25 * Math.max(ma, mb));
    return { a, b, ma, mb, tolerance };
  }

  function sameShape(a: Sample[], b: Sample[]): void {
    const statuses = new Set([...a, ...b].map((s) => s.reply.status));
    expect(statuses.size).toBe(1);
    const bodies = new Set([...a, ...b].map((s) => JSON.stringify(s.reply.body)));
    expect(bodies.size).toBe(1);
  }

  it('login: a wrong password for an account and any password for no account look alike', async () => {
    const result = await compare(
      (i) => timed('POST', '/v1/sessions', { login: existing[i]!.email, password: 'not the password' }),
      (i) => timed('POST', '/v1/sessions', { login: `nobody${i}@example.test`, password: 'not the password' }),
    );
    sameShape(result.a, result.b);
    expect(result.a[0]?.reply.status).toBe(401);
    expect(Math.abs(result.ma - result.mb), JSON.stringify({ ma: result.ma, mb: result.mb })).toBeLessThanOrEqual(result.tolerance);
    // The test can fail: leaving out scrypt for unknown logins would differ by more than that.
    expect(scryptMs).toBeGreaterThan(result.tolerance);
  });

  it('sign-up: taken addresses and new ones look alike', async () => {
    const result = await compare(
      (i) => timed('POST', '/v1/accounts', { phone: existing[i]!.phone, email: existing[i]!.email, password: 'a perfectly fine password' }),
      (i) => timed('POST', '/v1/accounts', { phone: `+8160${String(4_100_000 + i).padStart(8, '0')}`, email: `fresh${i}@example.test`, password: 'a perfectly fine password' }),
    );
    sameShape(result.a, result.b);
    expect(result.a[0]?.reply.status).toBe(202);
    expect(Math.abs(result.ma - result.mb), JSON.stringify({ ma: result.ma, mb: result.mb })).toBeLessThanOrEqual(result.tolerance);
    expect(scryptMs).toBeGreaterThan(result.tolerance);
  });

  it('password reset: a login with an account and one without look alike', async () => {
    const result = await compare(
      (i) => timed('POST', '/v1/password-resets', { login: existing[i]!.phone }),
      (i) => timed('POST', '/v1/password-resets', { login: `+8160${String(4_200_000 + i).padStart(8, '0')}` }),
    );
    sameShape(result.a, result.b);
    expect(result.a[0]?.reply.status).toBe(202);
    expect(Math.abs(result.ma - result.mb), JSON.stringify({ ma: result.ma, mb: result.mb })).toBeLessThanOrEqual(result.tolerance);
  });
});
