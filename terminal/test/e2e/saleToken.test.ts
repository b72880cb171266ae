import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import demoKeys from '../../../fixtures/keys/TEST-ONLY-device-demo.json' with { type: 'json' };
import { tempDataDir } from '../helpers/tempDataDir.js';
import { devSetupDataDir, startServe, terminalBin } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-sale-token-');
const dataDir = join(temp.path, 'register');
const cli = (args: string[], input?: string) => spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });

beforeAll(() => devSetupDataDir(dataDir));
afterAll(() => temp.remove());

const phone = (() => {
  const keys = readDeviceKeysFile(demoKeys);
  if (!keys.ok) throw new Error(keys.message);
  return createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000), firstCounter: 900 });
})();

interface Printed {
  decision: string;
  reason: string | null;
  amount: number;
  tokenShort: string | null;
  mode: string | null;
}

describe('tegata-terminal sale --token (no scanner needed)', () => {
  it('rings up a sale with a code given on the command line, through the core decision path', () => {
    const token = phone.mint();
    const result = cli(['sale', '--data', dataDir, '--amount', '1200', '--currency', '392', '--token', token]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const record = JSON.parse(result.stdout) as Printed;
    expect(record).toMatchObject({ decision: 'approved', amount: 1200, mode: 'offline' });
    expect(result.stdout).not.toContain(token);
    // The same code again is a replay: the register's memory of used codes decides it, as for a scan.
    const again = JSON.parse(cli(['sale', '--data', dataDir, '--amount', '1200', '--currency', '392', '--token', token]).stdout) as Printed;
    expect(again).toMatchObject({ decision: 'declined', reason: 'replayed' });
  });

  it('reads the code from standard input with --token -', () => {
    const token = phone.mint();
    const result = cli(['sale', '--data', dataDir, '--amount', '500', '--currency', '392', '--token', '-'], `${token}\n`);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decision: 'approved', amount: 500 });
  });

  it('refuses an empty standard input and records nothing', () => {
    const before = cli(['status', '--data', dataDir, '--json']);
    const result = cli(['sale', '--data', dataDir, '--amount', '500', '--currency', '392', '--token', '-'], '\n');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/standard input was empty/);
    const after = cli(['status', '--data', dataDir, '--json']);
    expect((JSON.parse(after.stdout) as { pending: unknown }).pending).toEqual((JSON.parse(before.stdout) as { pending: unknown }).pending);
  });

  it('goes through a running serve when there is one', async () => {
    const serve = await startServe(dataDir);
    try {
      const token = phone.mint();
      const result = spawnSync(process.execPath, [terminalBin, 'sale', '--data', dataDir, '--amount', '700', '--currency', '392', '--token', token], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ decision: 'approved', amount: 700 });
      await serve.waitForEvent((event) => event.type === 'decision' && event.record.amount === 700);
    } finally {
      await serve.stop();
    }
  });
});
