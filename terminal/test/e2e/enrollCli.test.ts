import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { startBackend, type BackendProcess } from '../helpers/backendProcess.js';
import { devSetupDataDir, startServe, terminalBin } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-enroll-cli-');
let backend: BackendProcess;
let code: string;
let fingerprint: string;

beforeAll(async () => {
  backend = await startBackend(join(temp.path, 'backend'));
  const store = await backend.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Enroll CLI' });
  ({ code, rootFingerprint: fingerprint } = await backend.admin<{ code: string; rootFingerprint: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`));
}, 60_000);
let backendStopped = false;
afterAll(async () => {
  if (!backendStopped) await backend.stop();
  temp.remove();
});

/** Not a terminal: stdin is a pipe, as in a script or CI. */
const enroll = (...args: string[]) =>
  spawnSync(process.execPath, [terminalBin, 'enroll', '--backend', backend.url, '--code', code, ...args], { encoding: 'utf8', input: '' });

describe('tegata-terminal enroll checks everything it can before spending the single-use code', () => {
  it('refuses, without spending the code, every mistake it can see first; then the same code enrolls', () => {
    const fresh = join(temp.path, 'till');
    const noFingerprint = enroll('--data', fresh);
    expect(noFingerprint.status).toBe(2);
    expect(noFingerprint.stderr).toMatch(/not a terminal.*--fingerprint/);
    expect(noFingerprint.stderr).toMatch(/code is still unused/);

    const typo = enroll('--data', fresh, '--fingerprint', '0000');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/--fingerprint must be the 64 hex digits/);

    const enrolledAlready = join(temp.path, 'dev-register');
    devSetupDataDir(enrolledAlready);
    const again = enroll('--data', enrolledAlready, '--fingerprint', fingerprint);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds an enrolled register/);

    const file = join(temp.path, 'a-file');
    writeFileSync(file, 'not a directory');
    const notDir = enroll('--data', file, '--fingerprint', fingerprint);
    expect(notDir.status).toBe(1);
    expect(notDir.stderr).toMatch(/is a file, not a data directory/);

    expect(existsSync(fresh)).toBe(false);
    const enrolled = enroll('--data', fresh, '--fingerprint', fingerprint);
    expect(enrolled.stderr).toBe('');
    expect(enrolled.status).toBe(0);
    expect(enrolled.stdout).toMatch(/Enrolled as terminal/);
  });

  const status = (...args: string[]) => spawnSync(process.execPath, [terminalBin, 'status', '--data', join(temp.path, 'till'), ...args], { encoding: 'utf8' });

  it('status right after enroll: the register is not running, the backend answers, the last sync was seconds ago', () => {
    const human = status();
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/Register\s+not running \(start it with tegata-terminal serve/);
    expect(human.stdout).toMatch(/Backend\s+reachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(human.stdout).toMatch(/Last sync\s+\S+ \(\d+ s ago\)/);
    expect(human.stdout).not.toMatch(/offline since|Connection\s+offline/);
    const json = JSON.parse(status('--json').stdout) as { connection: unknown };
    expect(json.connection).toMatchObject({ registerRunning: false, backendReachable: true, backendError: null });
  });

  it('status while serve runs says online', async () => {
    const serve = await startServe(join(temp.path, 'till'));
    try {
      await serve.waitForEvent((event) => event.type === 'status_changed' && event.status.online);
      const human = status();
      expect(human.stdout).toMatch(/Register\s+running/);
      expect(human.stdout).toMatch(/Connection\s+online: the backend answers/);
    } finally {
      await serve.stop();
    }
  });

  it('status with the backend down says it is unreachable, not that the register is offline', async () => {
    await backend.stop();
    backendStopped = true;
    const human = status();
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/Register\s+not running/);
    expect(human.stdout).toMatch(/Backend\s+unreachable at http:\/\/127\.0\.0\.1:\d+\/? \(.*ECONNREFUSED/);
  });
});
