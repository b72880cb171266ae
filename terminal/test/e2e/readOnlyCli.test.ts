import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { terminalBin } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-readonly-');
afterAll(() => temp.remove());
const cli = (...args: string[]) => spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8', input: '' });

describe('commands given a data directory that does not exist', () => {
  it.each([
    ['status', ['status', '--data']],
    ['status --json', ['status', '--json', '--data']],
    ['verify --db', ['verify', '--amount', '1', '--currency', '392', 'TG1x', '--db']],
    ['sync', ['sync', '--data']],
    ['sale', ['sale', '--amount', '1', '--currency', '392', '--token', 'TG1x', '--data']],
  ])('%s says there is no such folder and creates nothing', (_name, args) => {
    const typo = join(temp.path, 'tiil-1');
    const result = cli(...args, typo);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no such folder \(check --data/);
    expect(existsSync(typo)).toBe(false);
  });
});
