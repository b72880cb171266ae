import { parseArgs } from 'node:util';
import { nodeEd25519 } from '@tegata/protocol/node';
import { REASON_TEXT } from '../shared/reasonText.js';
import type { TerminalStatus } from '../shared/contracts/terminalApi.js';
import { BACKEND_URL_KEY, openCore } from '../node/core/openCore.js';
import { BackendClient } from '../node/sync/backendClient.js';
import { cliLogger, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { serveApi } from './loopbackClient.js';

/** How long `status` waits for the backend when the register is not running. */
const PROBE_TIMEOUT_MS = 1500;

/**
 * Where the connection state comes from: a running `serve` knows whether its sync reaches the
 * backend; without one, `status` asks the backend once itself (a read, nothing is sent).
 */
export interface ConnectionView {
  /** Whether `tegata-terminal serve` is running for this data directory. */
  registerRunning: boolean;
  backendUrl: string | null;
  /** null when there is no backend to ask (a development register). */
  backendReachable: boolean | null;
  /** Why the backend did not answer, when it did not (no secrets: a network error or a status). */
  backendError: string | null;
}

export async function statusCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError('status takes no arguments');
  const dataDir = resolveDataDir(values.data);
  const { status, connection } = await readStatus(dataDir);
  if (values.json === true) process.stdout.write(`${JSON.stringify({ ...status, connection })}\n`);
  else process.stdout.write(describeStatus(status, connection));
  return 0;
}

async function readStatus(dataDir: string): Promise<{ status: TerminalStatus; connection: ConnectionView }> {
  const serve = readServeInfo(dataDir);
  if (serve !== null) {
    const result = await serveApi(serve).status({});
    if (!result.ok) throw new Error(result.error.message);
    const status = result.value;
    return { status, connection: { registerRunning: true, backendUrl: null, backendReachable: status.online, backendError: null } };
  }
  const opened = openCore({ dataDir, logger: cliLogger() });
  let status: TerminalStatus;
  let backendUrl: string | null;
  try {
    const result = await opened.core.status();
    if (!result.ok) throw new Error(result.error.message);
    status = result.value;
    backendUrl = opened.store.config(BACKEND_URL_KEY) ?? null;
  } finally {
    opened.close();
  }
  if (backendUrl === null) return { status, connection: { registerRunning: false, backendUrl, backendReachable: null, backendError: null } };
  const client = new BackendClient({ baseUrl: backendUrl, ed25519: nodeEd25519, nowMs: () => Date.now() });
  try {
    await client.time(PROBE_TIMEOUT_MS);
    return { status, connection: { registerRunning: false, backendUrl, backendReachable: true, backendError: null } };
  } catch (error) {
    return { status, connection: { registerRunning: false, backendUrl, backendReachable: false, backendError: error instanceof Error ? error.message : String(error) } };
  }
}

function time(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString();
}

/** "12 s ago", "5 min ago", "3 h ago". */
function ago(ms: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function describeConnection(status: TerminalStatus, connection: ConnectionView): string[] {
  const since = status.offlineSince === null ? '' : ` (no answer since ${time(status.offlineSince * 1000)})`;
  if (connection.registerRunning) {
    return [`Register        running`, `Connection      ${status.online ? 'online: the backend answers' : `backend unreachable${since}`}`];
  }
  const lines = ['Register        not running (start it with tegata-terminal serve; it syncs and sells online while it runs)'];
  if (connection.backendReachable === null) lines.push('Backend         none configured (a development register: offline only)');
  else if (connection.backendReachable) lines.push(`Backend         reachable at ${connection.backendUrl ?? '?'} (asked just now)`);
  else lines.push(`Backend         unreachable at ${connection.backendUrl ?? '?'} (${connection.backendError ?? 'no answer'})`);
  return lines;
}

export function describeStatus(status: TerminalStatus, connection: ConnectionView): string {
  const pending = Object.entries(status.pending.amountByCurrency)
    .map(([currency, amount]) => `${amount} (currency ${currency})`)
    .join(', ');
  const lastSync = status.lastSyncAt === null ? null : status.lastSyncAt * 1000;
  const lines = [
    `Terminal        ${status.terminalId ?? 'not enrolled'}`,
    ...describeConnection(status, connection),
    `Waiting to sync ${status.pending.count} record(s)${pending ? `; approved ${pending}` : ''}`,
    `Last sync       ${lastSync === null ? 'never' : `${time(lastSync)} (${ago(lastSync, status.now)})`}`,
    `Clock           ${status.clock.trusted ? 'trusted' : 'NOT trusted'}; offset ${status.clock.offsetMs ?? '?'} ms, measured ${time(status.clock.measuredAt)}`,
    `Trust bundle    ${status.trust.serial === null ? 'none' : `serial ${status.trust.serial}, expires ${time((status.trust.expiresAt ?? 0) * 1000)}`}`,
  ];
  if (status.restoredFromBackup) lines.push('WARNING         the database is older than what the backend acknowledged (restored from a backup)');
  if (status.closedGates.length === 0) lines.push('Offline         approvals available');
  for (const gate of status.closedGates) lines.push(`Offline closed  ${REASON_TEXT[gate].title} (${gate})`);
  return `${lines.join('\n')}\n`;
}
