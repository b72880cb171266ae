import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBalance, runWalletCli } from './runWalletCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wallet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function wallet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWalletCli(argv, { stdout: (line) => out.push(line), stderr: (line) => err.push(line), env: {}, cwd: dir, stopped: Promise.resolve() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tegata-wallet help and usage errors', () => {
  it.each(['token', 'balance', 'topup', 'serve', 'signup'])('%s --help prints that command\'s help, exit 0', async (command) => {
    const result = await wallet(command, '--help');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: tegata-wallet .* ${command} `));
    expect(result.out).toMatch(new RegExp(`\\n  ${command}\\b`));
    expect(result.out).not.toContain('renew the certificate');
    expect(result.err).toBe('');
  });

  it('a usage error is one line and a hint, not the whole usage', async () => {
    const unknown = await wallet('balance', '--jsno');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("tegata-wallet: Unknown option '--jsno'\nrun 'tegata-wallet balance --help' for its options");
    const amount = await wallet('--state', 'none.json', 'topup', 'abc');
    expect(amount.code).toBe(2);
    expect(amount.err).toBe("tegata-wallet: --amount must be a whole number\nrun 'tegata-wallet topup --help' for its options");
    expect((await wallet()).err).toBe("tegata-wallet: a command is required\nrun 'tegata-wallet --help' for the commands");
  });
});

describe('tegata-wallet and its state file', () => {
  it('a file that is not a wallet state is refused in one line, exit 1', async () => {
    writeFileSync(path.join(dir, 'not-state.json'), JSON.stringify({ hello: 'world' }));
    const result = await wallet('--state', 'not-state.json', 'token');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^tegata-wallet: .*not-state\.json is not a TEST-ONLY wallet state file$/);
    writeFileSync(path.join(dir, 'broken.json'), '{"testOnly": tru');
    const broken = await wallet('--state', 'broken.json', 'token');
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^tegata-wallet: .*broken\.json is not a TEST-ONLY wallet state file \(not JSON\)$/);
  });
});

describe('tegata-wallet balance for a person', () => {
  it('shows the balance in yen and the newest movements; JSON only with --json', () => {
    const text = describeBalance({
      balance: 8800,
      currency: 392,
      transactions: [
        { id: 't2', kind: 'payment', amount: -1200, createdAt: Date.UTC(2026, 11, 7, 9, 30, 0) },
        { id: 't1', kind: 'card_topup', amount: 10000, createdAt: Date.UTC(2026, 11, 7, 9, 0, 0) },
      ],
    });
    expect(text).toBe(
      [
        'Balance  ¥8,800',
        'Newest movements:',
        '  2026-12-07 09:30:00 UTC  payment' + ' '.repeat(13) + '-¥1,200',
        '  2026-12-07 09:00:00 UTC  card topup' + ' '.repeat(10) + '¥10,000',
      ].join('\n'),
    );
  });
});
