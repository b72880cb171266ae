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
/** The local day the sales were made on (read back from the register, so a run across midnight still knows it). */
let saleDay = '';

beforeAll(() => {
  devSetupDataDir(dataDir);
  const keys = readDeviceKeysFile(demoKeys);
  if (!keys.ok) throw new Error(keys.message);
  token = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000), firstCounter: 700 }).mint();
  for (let i = 0; i < 2; i += 1) {
    const sale = cli('sale', '--data', dataDir, '--amount', '1200', '--currency', '392', '--token', token);
    if (sale.status !== 0) throw new Error(sale.stderr);
  }
  const all = JSON.parse(cli('history', '--data', dataDir, '--all', '--json').stdout) as { records: { createdAt: number }[] };
  saleDay = new Date(all.records.at(-1)?.createdAt ?? 0).toLocaleDateString('en-CA');
});

const localDay = (ms: number) => new Date(ms).toLocaleDateString('en-CA');
afterAll(() => temp.remove());

describe('tegata-terminal history', () => {
  it('lists a day\'s sales in words: decision and reason, sync and settlement state', () => {
    const result = cli('history', '--data', dataDir, '--day', saleDay);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^(Today's sales \\(${saleDay}\\)|Sales of ${saleDay}): 2, newest first`));
    expect(result.stdout).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d\\s+¥1,200  DECLINED: ${REASON_TEXT.replayed.title} \\(replayed\\)`));
    expect(result.stdout).toMatch(/¥1,200 {2}APPROVED\n\s+offline · not synced yet · after it syncs · code TG1/);
    expect(result.stdout).toMatch(/Approved 1 \(¥1,200\), declined 1/);
    expect(result.stdout).not.toContain(token);
  });

  it('says which day "today" is, and a day without sales has none', () => {
    const before = Date.now();
    const today = cli('history', '--data', dataDir);
    const after = Date.now();
    expect(today.status).toBe(0);
    const title = /^Today's sales \((\d{4}-\d{2}-\d{2})\): /.exec(today.stdout);
    expect([localDay(before), localDay(after)]).toContain(title?.[1]);
    const empty = cli('history', '--data', dataDir, '--day', '2001-02-03');
    expect(empty.stdout).toBe('Sales of 2001-02-03: none yet.\n');
    for (const bad of ['2026-02-30', '26-03-01', 'yesterday']) {
      const refused = cli('history', '--data', dataDir, '--day', bad);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/--day must be a date like 2026-03-01/);
    }
  });

  it('--json gives the records for machines, codes shortened', () => {
    const result = cli('history', '--data', dataDir, '--day', saleDay, '--json');
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
