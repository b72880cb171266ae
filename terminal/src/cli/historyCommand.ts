import { parseArgs } from 'node:util';
import type { DeclineReason } from '@tegata/protocol';
import type { HistoryPage, RecordView } from '../shared/contracts/terminalApi.js';
import { REASON_TEXT } from '../shared/reasonText.js';
import { openCore } from '../node/core/openCore.js';
import { cliLogger, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { callServe } from './loopbackClient.js';

/** Pages of this size are read until the records are older than today (or there are none left). */
const PAGE = 200;

/**
 * `tegata-terminal history`: today's sales (local time), newest first, with the decision, whether
 * the backend has the record, and its settlement. Through a running `serve` when there is one;
 * reads only.
 */
export async function historyCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError('history takes no arguments');
  const dataDir = resolveDataDir(values.data);
  const since = values.all === true ? 0 : startOfToday(Date.now());
  const records = await readSince(dataDir, since);
  if (values.json === true) process.stdout.write(`${JSON.stringify({ since, records })}\n`);
  else process.stdout.write(describeHistory(records, since));
  return 0;
}

function startOfToday(nowMs: number): number {
  const day = new Date(nowMs);
  day.setHours(0, 0, 0, 0);
  return day.getTime();
}

async function readSince(dataDir: string, since: number): Promise<RecordView[]> {
  const serve = readServeInfo(dataDir);
  let page: (beforeSeq: number | undefined) => Promise<HistoryPage>;
  let close = (): void => undefined;
  if (serve !== null) {
    page = async (beforeSeq) => {
      const result = await callServe(serve, 'history', { limit: PAGE, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
      if (!result.ok) throw new Error(result.error.message);
      return result.value;
    };
  } else {
    const opened = openCore({ dataDir, logger: cliLogger() });
    close = opened.close;
    page = async (beforeSeq) => {
      const result = await opened.core.history({ limit: PAGE, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
      if (!result.ok) throw new Error(result.error.message);
      return result.value;
    };
  }
  try {
    const records: RecordView[] = [];
    let beforeSeq: number | undefined;
    for (;;) {
      const current = await page(beforeSeq);
      for (const record of current.records) if (record.createdAt >= since) records.push(record);
      const oldest = current.records.at(-1);
      if (current.nextBeforeSeq === null || oldest === undefined || oldest.createdAt < since) return records;
      beforeSeq = current.nextBeforeSeq;
    }
  } finally {
    close();
  }
}

export function money(amount: number, currency: number): string {
  return currency === 392 ? `¥${amount.toLocaleString('en-US')}` : `${amount} (currency ${currency})`;
}

function clockTime(ms: number): string {
  const at = new Date(ms);
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

function decisionText(record: RecordView): string {
  const kind = record.kind === 'payment' ? '' : `${record.kind} `;
  if (record.decision === 'approved') return `${kind}APPROVED`;
  const reason = record.reason;
  const words = reason !== null && Object.hasOwn(REASON_TEXT, reason) ? REASON_TEXT[reason as DeclineReason].title : reason;
  return `${kind}DECLINED${words === null ? '' : `: ${words}${words === reason ? '' : ` (${reason})`}`}`;
}

function settlementText(record: RecordView): string {
  if (record.outcomeText !== null) return record.outcomeText;
  if (record.decision === 'declined') return 'nothing to settle';
  return record.synced ? 'waiting for the bank' : 'after it syncs';
}

export function describeHistory(records: RecordView[], since: number): string {
  const title = since === 0 ? 'Every sale' : `Today's sales (${new Date(since).toLocaleDateString('en-CA')})`;
  if (records.length === 0) return `${title}: none yet.\n`;
  const lines = [`${title}: ${records.length}, newest first`];
  for (const record of records) {
    lines.push(
      `${clockTime(record.createdAt)}  ${money(record.amount, record.currency).padStart(10)}  ${decisionText(record)}` +
        `\n          ${record.mode ?? '—'} · ${record.synced ? 'synced' : 'not synced yet'} · ${settlementText(record)} · code ${record.tokenShort ?? '—'}`,
    );
  }
  const approved = records.filter((record) => record.kind === 'payment' && record.decision === 'approved');
  const totals = new Map<number, number>();
  for (const record of approved) totals.set(record.currency, (totals.get(record.currency) ?? 0) + record.amount);
  const sum = [...totals].map(([currency, amount]) => money(amount, currency)).join(', ');
  lines.push(`Approved ${approved.length}${sum === '' ? '' : ` (${sum})`}, declined ${records.filter((record) => record.decision === 'declined').length}`);
  return `${lines.join('\n')}\n`;
}
