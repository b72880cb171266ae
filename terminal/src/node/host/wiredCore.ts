import type { Logger } from '../core/ports.js';
import { openCore, type OpenedCore } from '../core/openCore.js';
import { createScannerHost, type RunningScannerHost } from '../scanners/scannerHost.js';
import type { SerialScannerLogger } from '../scanners/serialScanner.js';

export interface WiredCore {
  opened: OpenedCore;
  /** The serial scanners, feeding the core; not started until `opened.core.startScanners()`. */
  scanners: RunningScannerHost;
}

/**
 * The core with its scanners wired in: every read goes to the core's scan path, every
 * problem and status change to the core's reporting. The one place this wiring is written,
 * for the core process and for `sale` without a running `serve`. Throws what `openCore` throws.
 */
export function openWiredCore(options: {
  dataDir: string;
  logger: Logger;
  /** The scanners' logger (default: `logger`). */
  scannerLogger?: SerialScannerLogger;
  duplicateWindowMs?: number;
}): WiredCore {
  const { logger } = options;
  const scanners = createScannerHost({
    clock: { now: () => Date.now() },
    logger: options.scannerLogger ?? logger,
    onScan: (event) => {
      opened.core.acceptScanEvent(event).catch((error: unknown) => logger.error({ err: error }, 'scan handling failed'));
    },
    onProblem: (problem) => opened.core.reportScannerProblem(problem),
    onStatus: (id, status) => opened.core.reportScannerStatus(id, status),
  });
  const opened = openCore({
    dataDir: options.dataDir,
    logger,
    scanners,
    ...(options.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: options.duplicateWindowMs }),
  });
  return { opened, scanners };
}
