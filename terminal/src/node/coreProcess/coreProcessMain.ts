import pino from 'pino';
import { dispatch } from '../../shared/contracts/apiTransport.js';
import { openWiredCore, type WiredCore } from '../host/wiredCore.js';
import { parseCoreProcessData, type CoreProcessData, type FromCore, type ToCore } from './coreProcessMessages.js';

/**
 * The terminal core in its own process (a child of `serve`, or Electron's utilityProcess):
 * SQLite and its fsyncs never stall the process that serves the UI, and the serial ports live
 * here too (serialport's native poller is not safe in worker threads). Calls arrive already
 * validated against the contract; they are validated again here, where they touch the database.
 */
if (process.send === undefined) throw new Error('coreProcessMain must run as a child process with an IPC channel');
const processSend = process.send.bind(process);
const send = (message: FromCore, callback?: () => void): void => {
  processSend(message, undefined, undefined, callback);
};
const data = await startDataOrReport();

/** The start data, validated; a parent that sent something else hears why, and the process ends. */
async function startDataOrReport(): Promise<CoreProcessData> {
  const started = parseCoreProcessData(process.argv[2]);
  if (started.ok) return started.data;
  const failed: FromCore = { type: 'failed', message: started.message, code: 'InvalidStartData' };
  send(failed, () => process.exit(1));
  return new Promise<never>(() => undefined);
}
const logger = pino({ level: data.logLevel, base: { component: 'terminal-core' } }, pino.destination(2));
const post = (message: FromCore): void => {
  send(message);
};
// Without the parent there is nobody to answer: stop rather than hold the database.
process.on('disconnect', () => {
  void Promise.all([scanners.stopAll(), opened.sync?.stop()]).finally(() => process.exit(0));
});

const { opened, scanners } = await openOrReport();

async function openOrReport(): Promise<WiredCore> {
  try {
    return openWiredCore({ dataDir: data.dataDir, logger, scannerLogger: logger.child({ component: 'scanner' }), duplicateWindowMs: data.duplicateWindowMs });
  } catch (error) {
    const failed: FromCore = { type: 'failed', message: error instanceof Error ? error.message : String(error), code: error instanceof Error ? error.name : 'Error' };
    send(failed, () => process.exit(1));
    return new Promise<never>(() => undefined);
  }
}
opened.core.subscribe((event) => post({ type: 'event', event }));
opened.core.startScanners();
opened.sync?.start();

process.on('message', (message: ToCore) => {
  if (message.type === 'close') {
    Promise.all([scanners.stopAll(), opened.sync?.stop()])
      .finally(() => {
        opened.close();
        post({ type: 'closed' });
        process.disconnect();
      })
      .catch(() => undefined);
    return;
  }
  const { id, method } = message;
  dispatch(opened.core, method, message.input).then(
    (result) => post({ type: 'result', id, result }),
    (error: unknown) => {
      logger.error({ err: error, method }, 'core call failed');
      post({ type: 'result', id, result: { ok: false, error: { code: 'internal', message: 'The register hit an internal error; the action was not completed.' } } });
    },
  );
});
post({ type: 'ready' });
