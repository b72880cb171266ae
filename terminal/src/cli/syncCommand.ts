import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { openCore } from '../node/core/openCore.js';
import { cliLogger, integerOption, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { serveApi } from './loopbackClient.js';

/**
 * "Sync now" from the command line: runs rounds until nothing waits (or --rounds), showing
 * progress on stderr, and prints the last round's report as JSON.
 */
export async function syncCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, rounds: { type: 'string' }, quiet: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError('sync takes no arguments');
  const dataDir = resolveDataDir(values.data);
  const maxRounds = integerOption(values.rounds, '--rounds', 1, 10_000) ?? 50;
  const show = values.quiet === true ? () => undefined : (line: string) => process.stderr.write(line);

  const serve = readServeInfo(dataDir);
  if (serve !== null) {
    const result = await serveApi(serve).syncNow({});
    process.stdout.write(`${JSON.stringify(result.ok ? result.value : result.error)}\n`);
    return result.ok && result.value.ok ? 0 : 1;
  }

  const began = performance.now();
  let total = 0;
  const opened = openCore({
    dataDir,
    logger: cliLogger(),
    onSyncProgress: ({ acknowledgedSeq, pending }) => {
      const done = Math.max(0, total - pending);
      show(`\rsyncing: ${done}/${total} records sent, acknowledged up to #${acknowledgedSeq}, ${pending} waiting   `);
    },
  });
  try {
    if (opened.sync === null) throw new UsageError('this register is not enrolled with a backend (tegata-terminal enroll)');
    total = opened.store.pendingCount();
    show(`${total} record(s) waiting to sync\n`);
    let report = await opened.sync.syncNow();
    for (let round = 1; round < maxRounds && report.ok && opened.store.pendingCount() > 0; round++) report = await opened.sync.syncNow();
    show(`\n${report.ok ? 'done' : `stopped: ${report.error ?? 'unknown error'}`} in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`${JSON.stringify({ ...report, pending: opened.store.pendingCount() })}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await opened.sync?.stop();
    opened.close();
  }
}
