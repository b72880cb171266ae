import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ApiParsedInput, ApiResult, RecordView, ScanOutcome, TerminalEvent } from '../shared/contracts/terminalApi.js';
import { openWiredCore } from '../node/host/wiredCore.js';
import { amountOption, cliLogger, integerOption, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { serveApi, subscribeServe } from './loopbackClient.js';

/**
 * One sale from the command line (QA scripts): start it, wait for one scan from the configured
 * scanner — or take the payment code from `--token <text>` (`--token -`: standard input), as if
 * it had been scanned — and print the decision as one JSON line. Through a running `serve` when
 * there is one, otherwise with the core and scanners in this process. A given token goes to the
 * core's `submitScan`, the same decision path as a scan from a scanner.
 */
export async function saleCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' }, timeout: { type: 'string' }, token: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('sale takes no arguments');
  const amount = amountOption(values.amount);
  const currency = integerOption(values.currency, '--currency', 0, 999);
  if (amount === undefined || currency === undefined) throw new UsageError('sale needs --amount and --currency');
  const timeoutMs = (integerOption(values.timeout, '--timeout', 1, 86_400) ?? 60) * 1000;
  const dataDir = resolveDataDir(values.data);
  const token = values.token === undefined ? undefined : await tokenText(values.token);

  const serve = readServeInfo(dataDir);
  let decided: (record: RecordView) => void = () => undefined;
  const decision = new Promise<RecordView>((resolve) => (decided = resolve));
  const onEvent = (event: TerminalEvent): void => {
    if (event.type === 'decision') decided(event.record);
  };

  let cancel: () => Promise<unknown>;
  let cleanup: () => Promise<void>;
  let submit: (text: string) => Promise<ApiResult<ScanOutcome>>;
  if (serve !== null) {
    const unsubscribe = await subscribeServe(serve, onEvent);
    const api = serveApi(serve);
    const started = await api.startSale({ amount, currency });
    if (!started.ok) throw new UsageError(started.error.message);
    cancel = () => api.cancelSale({});
    cleanup = () => Promise.resolve(unsubscribe());
    submit = (text) => api.submitScan(scanOf(text));
  } else {
    const { opened, scanners } = openWiredCore({ dataDir, logger: cliLogger() });
    const core = opened.core;
    core.subscribe(onEvent);
    if (token === undefined) core.startScanners();
    const started = await core.startSale({ amount, currency });
    if (!started.ok) throw new UsageError(started.error.message);
    cancel = () => core.cancelSale();
    submit = (text) => core.submitScan(scanOf(text));
    cleanup = async () => {
      await scanners.stopAll();
      opened.close();
    };
  }

  const began = performance.now();
  if (token !== undefined) {
    let outcome: ApiResult<ScanOutcome>;
    try {
      outcome = await submit(token);
      if (!outcome.ok || outcome.value.kind !== 'decision') await cancel();
    } finally {
      await cleanup();
    }
    if (!outcome.ok) throw new SaleError(`${outcome.error.message} The sale was cancelled.`);
    if (outcome.value.kind !== 'decision') throw new SaleError(`the code did not reach the sale (${outcome.value.kind}); the sale was cancelled`);
    process.stdout.write(`${JSON.stringify({ ...outcome.value.record, waitedMs: Math.round(performance.now() - began) })}\n`);
    return 0;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  const record = await Promise.race([decision, timedOut]);
  clearTimeout(timer);
  if (record === null) {
    await cancel();
    await cleanup();
    process.stderr.write(`tegata-terminal: no scan within ${timeoutMs / 1000} s; the sale was cancelled\n`);
    return 1;
  }
  await cleanup();
  process.stdout.write(`${JSON.stringify({ ...record, waitedMs: Math.round(performance.now() - began) })}\n`);
  return 0;
}

/** A sale the register could not complete (not a usage error: the command line was fine). */
export class SaleError extends Error {
  override name = 'SaleError';
}

/** The most a token may be (the API's limit for a scan). */
const MAX_TOKEN_LENGTH = 8192;

/** A code handed over on the command line is a scan replayed by hand, from this CLI. */
function scanOf(text: string): ApiParsedInput<'submitScan'> {
  return { text, source: 'replay', deviceId: 'cli' };
}

/** `--token <text>`, or `--token -`: the first line of standard input. Surrounding whitespace is dropped. */
async function tokenText(flag: string): Promise<string> {
  const text = flag === '-' ? await readStdin() : flag;
  const token = text.trim();
  if (token === '') throw new UsageError(flag === '-' ? '--token -: standard input was empty' : '--token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new UsageError(`--token is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (/[\r\n]/.test(token)) throw new UsageError('--token takes one payment code; standard input had more than one line');
  return token;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    length += buffer.length;
    if (length > MAX_TOKEN_LENGTH * 2) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
