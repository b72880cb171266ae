import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendCli, type CliIo } from '../src/cli/backendCli.js';
import { TEST_DIALECTS } from './databases.js';
import { ADMIN_TOKEN, startTestBackend, type TestBackend } from './harness.js';
import { anyNumber, anyString, matching } from './matchers.js';

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    env,
    cwd: tmpdir(),
    fetch: globalThis.fetch,
    untilStopped: () => Promise.resolve(),
  };
  return { code: await runBackendCli(argv, io), stdout, stderr };
}

const json = (r: Run): Record<string, unknown> => JSON.parse(r.stdout.join('\n')) as Record<string, unknown>;

describe('tegata-backend CLI, local commands', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tegata-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises keys once, delegates and rotates offline, and migrates', async () => {
    const init = await run(['keys', 'init', '--data', dir]);
    expect(init.code).toBe(0);
    expect(json(init)).toMatchObject({ rootKid: matching(/^[0-9a-f]{8}$/), testOnly: false });
    expect(init.stderr.join('\n')).toMatch(/move .*root\.secret\.json offline/);
    const again = await run(['keys', 'init', '--data', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr.join('\n')).toMatch(/already exists/);
    expect((await run(['keys', 'delegate', '--data', dir, '--days', '10'])).code).toBe(0);
    expect(json(await run(['keys', 'rotate', '--offline', '--data', dir]))).toMatchObject({ kid: anyString() });
    const migrated = await run(['migrate', '--data', dir]);
    expect(json(migrated)).toMatchObject({ applied: ['0001-initial', '0002-accounts', '0003-device-holds'] });
    expect(json(await run(['migrate', '--data', dir]))).toMatchObject({ applied: [] });
  });

  it('reports usage errors with exit 2 and configuration errors with exit 1', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['bogus'])).code).toBe(2);
    expect((await run(['serve', '--port', 'x'])).code).toBe(2);
    expect((await run(['keys', 'spin', '--data', dir])).code).toBe(2);
    const bad = await run(['migrate', '--data', dir], { TEGATA_DEV: 'maybe' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/TEGATA_DEV \(environment\)/);
    const help = await run(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/enrollment-code <store id>/);
  });

  it('refuses to serve outside dev mode without keys', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tegata-cli-empty-'));
    const result = await run(['serve', '--port', '0', '--data', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr.join('\n')).toMatch(/no keys in .*keys init/);
    rmSync(empty, { recursive: true, force: true });
  });
});

describe.each(TEST_DIALECTS)('tegata-backend CLI, admin commands on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });
  const admin = (...argv: string[]) => run([...argv, '--url', t.url], { TEGATA_ADMIN_TOKEN: ADMIN_TOKEN });

  it('creates a store and a code, lists terminals and flags, rotates keys, credits in dev mode', async () => {
    const store = json(await admin('store', 'create', 'Shibuya', 'East'));
    expect(store).toMatchObject({ name: 'Shibuya East' });
    const code = json(await admin('enrollment-code', String(store.id)));
    expect(code).toMatchObject({ code: anyString(), rootFingerprint: anyString() });
    expect(json(await admin('terminals'))).toEqual({ terminals: [] });
    expect(json(await admin('flags'))).toEqual({ flags: [] });
    expect(json(await admin('quarantine'))).toEqual({ records: [] });
    const unknownQuarantine = await admin('quarantine', 'release', 'trm_nope');
    expect(unknownQuarantine.code).toBe(1);
    expect(unknownQuarantine.stderr.join('\n')).toMatch(/quarantine\/release → 404/);
    expect((await admin('quarantine', 'release')).code).toBe(2);
    expect(json(await admin('keys', 'rotate'))).toMatchObject({ kid: anyString(), serial: anyNumber() });
    expect(json(await admin('keys', 'status'))).toMatchObject({ warnings: [] });
    const account = await t.admin<{ accountId: string }>('POST', '/v1/dev/accounts');
    expect(json(await admin('account', 'credit', account.accountId, '500'))).toMatchObject({ balance: 500 });
    const missing = await admin('terminal', 'revoke', 'trm_nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr.join('\n')).toMatch(/404/);
    const noToken = await run(['terminals', '--url', t.url]);
    expect(noToken.code).toBe(2);
  });
});

describe('npx tegata-backend serve (the built bin)', () => {
  const bin = fileURLToPath(new URL('../bin/tegata-backend.mjs', import.meta.url));
  const built = fileURLToPath(new URL('../dist/cli/tegataBackend.js', import.meta.url));

  it('starts in dev mode on an empty directory with keys and database, serves the admin API, stops on SIGTERM', async () => {
    expect(existsSync(built), 'run `npx tsc -b` first: the bin runs the built CLI').toBe(true);
    const data = mkdtempSync(path.join(tmpdir(), 'tegata-bin-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', data], {
      env: { ...process.env, TEGATA_DEV: '1', TEGATA_ADMIN_TOKEN: 'qa-token', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
      });
      const time = (await (await fetch(`${url}/v1/time`)).json()) as { now: number };
      expect(Math.abs(time.now - Date.now())).toBeLessThan(5000);
      const store = await fetch(`${url}/v1/admin/stores`, {
        method: 'POST',
        headers: { authorization: 'Bearer qa-token', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'QA' }),
      });
      expect(store.status).toBe(201);
      expect(existsSync(path.join(data, 'tegata.sqlite'))).toBe(true);
      expect(existsSync(path.join(data, 'keys', 'root.json'))).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });
});
