import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import demoKeys from '../../../fixtures/keys/TEST-ONLY-device-demo.json' with { type: 'json' };
import { REASON_TEXT } from '../../src/shared/reasonText.js';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { devSetupDataDir, terminalBin } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-history-');
const dataDir = join(temp.path, 'register');
const cli = (...args: string[]) => spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8', input: '' });
let token = '';

beforeAll(() => {
  devSetupDataDir(dataDir);
  const keys = readDeviceKeysFile(demoKeys);
  if (!keys.ok) throw new Error(keys.message);
  token = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000), firstCounter: 700 }).mint();
  for (let i = 0; i < 2; i += 1) {
    const sale = cli('sale', '--data', dataDir, '--amount', '1200', '--currency', '392', '--token', token);
    if (sale.status !== 0) throw new Error(sale.stderr);
  }
});
afterAll(() => temp.remove());

describe('tegata-terminal history', () => {
  it('lists today\'s sales in words: decision and reason, sync and settlement state', () => {
    const result = cli('history', '--data', dataDir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Today's sales \(\d{4}-\d{2}-\d{2}\): 2, newest first/);
    expect(result.stdout).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d\\s+¥1,200  DECLINED: ${REASON_TEXT.replayed.title} \\(replayed\\)`));
    expect(result.stdout).toMatch(/¥1,200 {2}APPROVED\n\s+offline · not synced yet · after it syncs · code TG1/);
    expect(result.stdout).toMatch(/Approved 1 \(¥1,200\), declined 1/);
    expect(result.stdout).not.toContain(token);
  });

  it('--json gives the records for machines, codes shortened', () => {
    const result = cli('history', '--data', dataDir, '--json');
    const parsed = JSON.parse(result.stdout) as { since: number; records: { decision: string; reason: string | null; synced: boolean; outcome: string | null }[] };
    expect(parsed.records.map((record) => [record.decision, record.reason, record.synced, record.outcome])).toEqual([
      ['declined', 'replayed', false, null],
      ['approved', null, false, null],
    ]);
    expect(result.stdout).not.toContain(token);
  });

  it('reads only: a mistyped --data is refused and not created', () => {
    const typo = join(temp.path, 'regsiter');
    const result = cli('history', '--data', typo);
    expect(result.status).toBe(1);
    expect(existsSync(typo)).toBe(false);
  });
});
