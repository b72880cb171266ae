import { parseArgs } from 'node:util';
import { REASON_TEXT } from '../shared/reasonText.js';
import type { TerminalStatus } from '../shared/contracts/terminalApi.js';
import { openCore } from '../node/core/openCore.js';
import { cliLogger, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { callServe } from './loopbackClient.js';

export async function statusCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError('status takes no arguments');
  const dataDir = resolveDataDir(values.data);
  const status = await readStatus(dataDir);
  if (values.json === true) process.stdout.write(`${JSON.stringify(status)}\n`);
  else process.stdout.write(describeStatus(status));
  return 0;
}

async function readStatus(dataDir: string): Promise<TerminalStatus> {
  const serve = readServeInfo(dataDir);
  if (serve !== null) {
    const result = await callServe(serve, 'status', {});
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  }
  const opened = openCore({ dataDir, logger: cliLogger() });
  try {
    const result = await opened.core.status();
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  } finally {
    opened.close();
  }
}

function time(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString();
}

export function describeStatus(status: TerminalStatus): string {
  const pending = Object.entries(status.pending.amountByCurrency)
    .map(([currency, amount]) => `${amount} (currency ${currency})`)
    .join(', ');
  const lines = [
    `Terminal        ${status.terminalId ?? 'not enrolled'}`,
    `Connection      ${status.online ? 'online' : 'offline'}${status.offlineSince === null ? '' : ` since ${time(status.offlineSince * 1000)}`}`,
    `Waiting to sync ${status.pending.count} record(s)${pending ? `; approved ${pending}` : ''}`,
    `Last sync       ${time(status.lastSyncAt === null ? null : status.lastSyncAt * 1000)}`,
    `Clock           ${status.clock.trusted ? 'trusted' : 'NOT trusted'}; offset ${status.clock.offsetMs ?? '?'} ms, measured ${time(status.clock.measuredAt)}`,
    `Trust bundle    ${status.trust.serial === null ? 'none' : `serial ${status.trust.serial}, expires ${time((status.trust.expiresAt ?? 0) * 1000)}`}`,
  ];
  if (status.restoredFromBackup) lines.push('WARNING         the database is older than what the backend acknowledged (restored from a backup)');
  if (status.closedGates.length === 0) lines.push('Offline         approvals available');
  for (const gate of status.closedGates) lines.push(`Offline closed  ${REASON_TEXT[gate].title} (${gate})`);
  return `${lines.join('\n')}\n`;
}
