import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { terminalBin } from '../helpers/serveProcess.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8', input: '' });
const COMMANDS = ['serve', 'status', 'sync', 'sale', 'history', 'enroll', 'ports', 'verify', 'dev-setup'];

describe('tegata-terminal help and usage errors', () => {
  it.each(COMMANDS)('%s --help prints that command\'s help and exits 0', (command) => {
    for (const flag of ['--help', '-h']) {
      const result = cli(command, flag);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: tegata-terminal ${command} `));
      expect(result.stderr).toBe('');
    }
  });

  it('help <command> is the same as <command> --help', () => {
    expect(cli('help', 'sale').stdout).toBe(cli('sale', '--help').stdout);
  });

  it('a usage error is one line and a hint, not the whole usage', () => {
    const result = cli('sale', '--amount', '100');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("tegata-terminal: sale needs --amount and --currency\nrun 'tegata-terminal sale --help' for its options\n");
    const unknown = cli('status', '--jsno');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("tegata-terminal: unknown option --jsno\nrun 'tegata-terminal status --help' for its options\n");
    const command = cli('launch');
    expect(command.stderr).toBe('tegata-terminal: unknown command "launch"\nrun \'tegata-terminal --help\' for the commands\n');
  });

  it.each(['-5', '0', '1.5', 'abc', '-0'])('--amount %s gets our own message', (amount) => {
    const result = cli('sale', '--amount', amount, '--currency', '392', '--token', 'TG1x', '--data', '/nonexistent/tegata');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `tegata-terminal: --amount must be an integer (a whole number of minor units: 1200 is ¥1,200) from 1 to 4294967295, got "${amount}"\n` +
        "run 'tegata-terminal sale --help' for its options\n",
    );
  });
});
