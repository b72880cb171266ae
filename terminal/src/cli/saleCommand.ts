import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { RecordView, TerminalEvent } from '../shared/contracts/terminalApi.js';
import { openCore } from '../node/core/openCore.js';
import { createScannerHost } from '../node/scanners/scannerHost.js';
import { cliLogger, integerOption, readServeInfo, resolveDataDir, UsageError } from './cliSupport.js';
import { callServe, subscribeServe } from './loopbackClient.js';

/**
 * One sale from the command line (QA scripts): start it, wait for one scan from the configured
 * scanner, print the decision as one JSON line. Through a running `serve` when there is one,
 * otherwise with the core and scanners in this process.
 */
export async function saleCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' }, timeout: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('sale takes no arguments');
  const amount = integerOption(values.amount, '--amount', 1, 0xffffffff);
  const currency = integerOption(values.currency, '--currency', 0, 999);
  if (amount === undefined || currency === undefined) throw new UsageError('sale needs --amount and --currency');
  const timeoutMs = (integerOption(values.timeout, '--timeout', 1, 86_400) ?? 60) * 1000;
  const dataDir = resolveDataDir(values.data);

  const serve = readServeInfo(dataDir);
  let decided: (record: RecordView) => void = () => undefined;
  const decision = new Promise<RecordView>((resolve) => (decided = resolve));
  const onEvent = (event: TerminalEvent): void => {
    if (event.type === 'decision') decided(event.record);
  };

  let cancel: () => Promise<unknown>;
  let cleanup: () => Promise<void>;
  if (serve !== null) {
    const unsubscribe = await subscribeServe(serve, onEvent);
    const started = await callServe(serve, 'startSale', { amount, currency });
    if (!started.ok) throw new UsageError(started.error.message);
    cancel = () => callServe(serve, 'cancelSale', {});
    cleanup = () => Promise.resolve(unsubscribe());
  } else {
    const logger = cliLogger();
    const scanners = createScannerHost({
      clock: { now: () => Date.now() },
      logger,
      onScan: (event) => void opened.core.acceptScanEvent(event),
      onProblem: (problem) => opened.core.reportScannerProblem(problem),
      onStatus: (id, status) => opened.core.reportScannerStatus(id, status),
    });
    const opened = openCore({ dataDir, logger, scanners });
    const core = opened.core;
    core.subscribe(onEvent);
    core.startScanners();
    const started = await core.startSale({ amount, currency });
    if (!started.ok) throw new UsageError(started.error.message);
    cancel = () => core.cancelSale();
    cleanup = async () => {
      await scanners.stopAll();
      opened.close();
    };
  }

  const began = performance.now();
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
