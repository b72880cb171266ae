/**
 * The wallet simulator of hardware-mocks (`tegata-wallet`) against a real backend: the walk a
 * newcomer takes in the README — sign up, bind a phone, fund the wallet, show a QR code — and a
 * register accepting the token it shows.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runWalletCli, qrVersion, type RotatingQrServer, type WalletCliIo } from '@tegata/hardware-mocks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestTerminal } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { freshContacts } from './customers.js';
import { startTestBackend, type TestBackend } from './harness.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

describe.each(TEST_DIALECTS)('tegata-wallet against a backend on %s', (dialect) => {
  let t: TestBackend;
  let dir: string;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
    dir = mkdtempSync(path.join(tmpdir(), 'tegata-wallet-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function wallet(argv: string[], extra: Partial<WalletCliIo> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runWalletCli(['--url', t.url, '--state', 'wallet.json', ...argv], {
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      env: {},
      cwd: dir,
      stopped: new Promise(() => undefined),
      simulator: { nowMs: () => t.clock.nowMs(), codeTimeoutMs: 2000 },
      ...extra,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const json = (run: Run) => JSON.parse(run.out) as Record<string, unknown>;

  it('signs up, binds a phone, tops up through 3-D Secure, and pays a register with its token', async () => {
    const contacts = freshContacts('sim');
    const signup = await wallet(['signup', '--phone', contacts.phone, '--email', contacts.email, '--password', 'simulated customer pass']);
    expect(signup.err).toBe('');
    expect(json(signup)).toMatchObject({ accountId: expect.stringMatching(/^acc_/) as unknown });
    const stateFile = path.join(dir, 'wallet.json');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(stateFile, 'utf8')).toMatch(/"warning": "TEST-ONLY/);

    expect(json(await wallet(['topup', '5000']))).toMatchObject({ status: 'succeeded', balance: 5000 });
    const bound = json(await wallet(['bind', '--name', 'Simulated Pixel']));
    expect(bound).toMatchObject({ deviceId: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown, perPaymentLimit: 5000 });
    expect(json(await wallet(['balance', '--json']))).toMatchObject({ balance: 5000, currency: 392 });
    // For a person: the balance in yen and the newest movements, not JSON.
    const human = await wallet(['balance']);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^Balance {2}¥5,000\nNewest movements:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}\S.* ¥5,000$/m);
    // Without --url the backend the state file was made with, not a fixed default.
    const noUrl = await runWalletCli(['--state', 'wallet.json', 'balance', '--json'], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      cwd: dir,
      stopped: new Promise(() => undefined),
      simulator: { nowMs: () => t.clock.nowMs() },
    });
    expect(noUrl).toBe(0);

    const token = await wallet(['token']);
    expect(token.out).toMatch(/^TG1[A-Z2-7]{327}$/);
    expect(qrVersion(token.out)).toBe(11);
    const terminal = await TestTerminal.enrolled(t);
    const paid = await terminal.signed('POST', '/v1/terminal/authorize', { body: { saleId: 'sim-1', token: token.out, amount: 1200, currency: 392 } });
    expect(paid.body).toMatchObject({ decision: 'approved' });
    // The counter was saved before the token was shown: the next one is new.
    const again = await wallet(['token']);
    expect(again.out).not.toBe(token.out);
    expect((JSON.parse(readFileSync(stateFile, 'utf8')) as { nextCounter: number }).nextCounter).toBe(3);

    const qr = await wallet(['qr', '--out', 'code.png']);
    expect(json(qr)).toMatchObject({ counter: 3 });
    expect(readFileSync(path.join(dir, 'code.png')).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const printed = await wallet(['qr']);
    expect(printed.out).toMatch(/[▀▄█]/);

    // Renewal: refused until the last quarter, then a new certificate.
    const early = await wallet(['renew']);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/renewal_too_early/);
    const status = json(await wallet(['status'])) as { device: { notBefore: number } };
    t.clock.set((status.device.notBefore + 55 * 3600) * 1000);
    expect(json(await wallet(['renew']))).toMatchObject({ notBefore: status.device.notBefore + 55 * 3600 });
  });

  it('serves a page whose QR code changes every 30 s, counters persisted', async () => {
    let server: RotatingQrServer | undefined;
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = wallet(['serve', '--port', '0'], { stopped, onServing: (s) => (server = s) });
    while (server === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    const current = async () => (await (await fetch(`${server?.url}current.json`)).json()) as { token: string; counter: number; refreshInMs: number };
    const first = await current();
    expect(first.token).toMatch(/^TG1/);
    expect((await current()).counter).toBe(first.counter);
    t.clock.advance(30_000);
    const second = await current();
    expect(second.counter).toBe(first.counter + 1);
    expect(second.refreshInMs).toBe(30_000);
    expect(await (await fetch(`${server?.url}qr.svg`)).text()).toMatch(/^<svg/);
    expect(await (await fetch(server?.url ?? '')).text()).toMatch(/Pay with Tegata/);
    stop();
    expect((await serving).code).toBe(0);
    const state = JSON.parse(readFileSync(path.join(dir, 'wallet.json'), 'utf8')) as { nextCounter: number };
    expect(state.nextCounter).toBe(second.counter + 1);
  });

  it('replaces the phone the ways issue 17 allows: signed by the established phone, or with an e-mail code (pending)', async () => {
    const contacts = freshContacts('simr');
    const run = (argv: string[]) => wallet(['--state', 'replace.json', ...argv]);
    expect((await run(['signup', '--phone', contacts.phone, '--email', contacts.email, '--password', 'simulated customer pass'])).code).toBe(0);
    const first = json(await run(['bind', '--name', 'first'])) as { deviceId: string; status: string };
    expect(first.status).toBe('active');
    const tooNew = await run(['bind', '--name', 'second']);
    expect(tooNew.code).toBe(1);
    expect(tooNew.err).toMatch(/phone_too_new_to_confirm/);
    await t.backend.db.kysely.updateTable('devices').set({ bound_at: t.clock.nowMs() - 48 * 3_600_000 }).where('id', '=', first.deviceId).execute();
    expect(json(await run(['bind', '--name', 'second']))).toMatchObject({ status: 'active' });
    expect(json(await run(['bind', '--name', 'third', '--without-phone']))).toMatchObject({ status: 'pending', perPaymentLimit: 0 });
  });

  it('reports usage errors with exit 2 and refusals with exit 1', async () => {
    expect((await wallet([])).code).toBe(2);
    expect((await wallet(['fly'])).code).toBe(2);
    expect((await wallet(['signup', '--phone', '+819000000000'])).code).toBe(2);
    const refused = await wallet(['--state', 'other.json', 'signup', '--phone', '+819000000000', '--email', 'x@example.test', '--password', 'password']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/weak_password/);
  });
});
