import { parseArgs } from 'node:util';
import { processIo } from '@tegata/protocol/cli';
import { openCore } from '../node/core/openCore.js';
import { amountOption, cliLogger, integerOption, resolveDataDir, UsageError } from './cliSupport.js';

/**
 * `verify --db <data dir>`: what this register would decide for the token now (stages A–C of
 * PROTOCOL.md §4, with its own trust bundle, clock and memory), recording nothing. Prints the
 * stage B line of `tegata-token verify` when it passes, else `{"ok":false,"reason":…}`.
 */
export async function verifyWithDatabase(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { db: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' } },
  });
  const amount = amountOption(values.amount);
  const currency = integerOption(values.currency, '--currency', 0, 999);
  if (amount === undefined || currency === undefined) throw new UsageError('verify --db needs --amount and --currency (a register always checks both)');
  if (positionals.length !== 1) throw new UsageError('exactly one token (or - for standard input) is required');
  const text = positionals[0] === '-' ? await processIo().readStdin() : positionals[0]!;
  const opened = openCore({ dataDir: resolveDataDir(values.db), logger: cliLogger() });
  try {
    const result = opened.core.previewOfflineDecision(text, amount, currency);
    process.stdout.write(`${JSON.stringify(result.ok ? { ok: true, ...result.fields } : { ok: false, reason: result.reason })}\n`);
    return 0;
  } finally {
    opened.close();
  }
}
