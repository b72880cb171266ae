import { parseArgs } from 'node:util';
import type { DeclineReason } from '@tegata/protocol';
import type { HistoryPage, RecordView } from '../shared/contracts/terminalApi.js';
import { REASON_TEXT } from '../shared/reasonText.js';
import { openCore } from '../node/core/openCore.js';
import { cliLogger, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { serveApi } from './loopbackClient.js';

/** Pages of this size are read until the records are older than the day asked for (or there are none left). */
const PAGE = 200;

/**
 * `tegata-terminal history`: today's sales (or another day's, local time), newest first, with the decision, whether
 * the backend has the record, and its settlement. Through a running `serve` when there is one;
 * reads only.
 */
export async function historyCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' }, day: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('history takes no arguments');
  if (values.all === true && values.day !== undefined) throw new UsageError('give --all or --day, not both');
  const dataDir = resolveDataDir(values.data);
  const range: DayRange | null = values.all === true ? null : dayRange(values.day ?? null, Date.now());
  const since = range?.since ?? 0;
  const records = (await readSince(dataDir, since)).filter((record) => range === null || record.createdAt < range.until);
  if (values.json === true) process.stdout.write(`${JSON.stringify({ since, ...(range === null ? {} : { until: range.until }), records })}\n`);
  else process.stdout.write(describeHistory(records, range));
  return 0;
}

/** One local day: from its midnight to the next; `today` tells the title apart. */
export interface DayRange {
  since: number;
  until: number;
  label: string;
  today: boolean;
}

/** `day` as YYYY-MM-DD (local time), or today when null. */
export function dayRange(day: string | null, nowMs: number): DayRange {
  let start: Date;
  if (day === null) {
    start = new Date(nowMs);
    start.setHours(0, 0, 0, 0);
  } else {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    start = parts === null ? new Date(Number.NaN) : new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]));
    if (parts === null || Number.isNaN(start.getTime()) || start.getDate() !== Number(parts[3]) || start.getMonth() !== Number(parts[2]) - 1) {
      throw new UsageError(`--day must be a date like 2026-03-01, not ${JSON.stringify(day)}`);
    }
  }
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  const label = start.toLocaleDateString('en-CA');
  return { since: start.getTime(), until: end.getTime(), label, today: label === new Date(nowMs).toLocaleDateString('en-CA') };
}

async function readSince(dataDir: string, since: number): Promise<RecordView[]> {
  const serve = readServeInfo(dataDir);
  let page: (beforeSeq: number | undefined) => Promise<HistoryPage>;
  let close = (): void => undefined;
  if (serve !== null) {
    const api = serveApi(serve);
    page = async (beforeSeq) => {
      const result = await api.history({ limit: PAGE, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
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

export function describeHistory(records: RecordView[], range: DayRange | null): string {
  const title = range === null ? 'Every sale' : range.today ? `Today's sales (${range.label})` : `Sales of ${range.label}`;
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
