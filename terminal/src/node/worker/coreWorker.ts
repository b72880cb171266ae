import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { terminalApi, type TerminalMethod } from '../../shared/contracts/terminalApi.js';
import { openCore, type OpenedCore } from '../core/openCore.js';
import { createScannerHost } from '../scanners/scannerHost.js';
import type { CoreWorkerData, FromCore, ToCore } from './workerMessages.js';

/**
 * The terminal core on its own thread: SQLite and its fsyncs never stall the thread that
 * serves the UI. Calls arrive already validated against the contract; they are validated again
 * here because this is where they touch the database.
 */
const port = parentPort;
if (port === null) throw new Error('coreWorker must run in a worker thread');
const data = workerData as CoreWorkerData;
const logger = pino({ level: data.logLevel, base: { component: 'terminal-core' } });
const post = (message: FromCore): void => port.postMessage(message);

let opened: OpenedCore;
const scanners = createScannerHost({
  clock: { now: () => Date.now() },
  logger: logger.child({ component: 'scanner' }),
  onScan: (event) => {
    opened.core.acceptScanEvent(event).catch((error: unknown) => logger.error({ err: error }, 'scan handling failed'));
  },
  onProblem: (problem) => opened.core.reportScannerProblem(problem),
  onStatus: (id, status) => opened.core.reportScannerStatus(id, status),
});
try {
  opened = openCore({ dataDir: data.dataDir, logger, scanners, duplicateWindowMs: data.duplicateWindowMs });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error), code: error instanceof Error ? error.name : 'Error' });
  process.exit(1);
}
opened.core.subscribe((event) => post({ type: 'event', event }));
opened.core.startScanners();

port.on('message', (message: ToCore) => {
  if (message.type === 'close') {
    scanners.stopAll().finally(() => {
      opened.close();
      post({ type: 'closed' });
      port.close();
    }).catch(() => undefined);
    return;
  }
  const method: TerminalMethod = message.method;
  const parsed = terminalApi[method].input.safeParse(message.input);
  if (!parsed.success) {
    post({ type: 'result', id: message.id, result: { ok: false, error: { code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'invalid input' } } });
    return;
  }
  const call = (opened.core[method] as (input: unknown) => Promise<{ ok: boolean }>).bind(opened.core);
  call(parsed.data).then(
    (result) => post({ type: 'result', id: message.id, result: result as FromCore extends { result: infer R } ? R : never }),
    (error: unknown) => {
      logger.error({ err: error, method }, 'core call failed');
      post({ type: 'result', id: message.id, result: { ok: false, error: { code: 'internal', message: 'The register hit an internal error; the action was not completed.' } } });
    },
  );
});
post({ type: 'ready' });
