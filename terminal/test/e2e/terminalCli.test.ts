import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, freshTestOnlyBundle } from '@tegata/hardware-mocks';
import demoKeys from '../../../fixtures/keys/TEST-ONLY-device-demo.json' with { type: 'json' };
import { tempDataDir } from '../helpers/tempDataDir.js';
import { devSetupDataDir, terminalBin } from '../helpers/serveProcess.js';

const run = promisify(execFile);
const temp = tempDataDir('tegata-cli-');
const dataDir = join(temp.path, 'register');
const cli = (...args: string[]) => run(process.execPath, [terminalBin, ...args], { encoding: 'utf8' });
const cliStatus = (...args: string[]) => spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8' });

beforeAll(() => devSetupDataDir(dataDir));
afterAll(() => temp.remove());

function phone() {
  const keys = readDeviceKeysFile(demoKeys);
  if (!keys.ok) throw new Error(keys.message);
  return createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000), firstCounter: 500 });
}

describe('tegata-terminal', () => {
  it('status reports a ready register with open gates', async () => {
    const { stdout } = await cli('status', '--data', dataDir, '--json');
    const status = JSON.parse(stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ terminalId: 'TEST-ONLY-terminal-1', closedGates: [], restoredFromBackup: false, pending: { count: 0 } });
    const human = await cli('status', '--data', dataDir);
    expect(human.stdout).toMatch(/Offline\s+approvals available/);
  });

  it('verify --db gives the stateful decision and records nothing', async () => {
    const token = phone().mint();
    const first = await cli('verify', '--db', dataDir, '--amount', '1200', '--currency', '392', token);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, token });
    const over = await cli('verify', '--db', dataDir, '--amount', '25000', '--currency', '392', token);
    expect(JSON.parse(over.stdout)).toEqual({ ok: false, reason: 'over_payment_limit' });
    const status = JSON.parse((await cli('status', '--data', dataDir, '--json')).stdout) as { pending: { count: number } };
    expect(status.pending.count).toBe(0);
  });

  it('verify without --db is tegata-token verify', async () => {
    const trust = join(temp.path, 'fresh-trust.json');
    writeFileSync(trust, JSON.stringify(freshTestOnlyBundle(Math.floor(Date.now() / 1000))));
    const token = phone().mint();
    const { stdout, stderr } = await cli('verify', '--trust', trust, '--amount', '1200', '--currency', '392', token);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, token, currency: 392 });
    expect(stderr).toMatch(/NOT checked/);
  });

  it('refuses a config file with a typo, naming the key, and touches nothing', () => {
    const config = join(temp.path, 'terminal.json');
    writeFileSync(config, JSON.stringify({ prot: 8080 }));
    const result = cliStatus('serve', '--data', dataDir, '--config', config);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prot: unknown key (did you mean "port"?)');
  });

  it('says how to enroll when the data directory has no identity', () => {
    const result = cliStatus('status', '--data', join(temp.path, 'empty'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no terminal identity .* enroll this register first/);
  });

  it('exits 2 with usage on a bad command line', () => {
    expect(cliStatus('sale', '--data', dataDir).status).toBe(2);
    expect(cliStatus('launch').stderr).toMatch(/unknown command "launch"/);
    expect(cliStatus('sale', '--data', dataDir, '--amount', 'ten', '--currency', '392').stderr).toMatch(/--amount must be an integer/);
  });
});
