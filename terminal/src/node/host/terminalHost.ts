import { nodeEd25519 } from '@tegata/protocol/node';
import type { ScannerConfig, TerminalApi, TerminalEvent, TerminalHandlers } from '../../shared/contracts/terminalApi.js';
import { localApi } from '../../shared/contracts/apiTransport.js';
import type { Logger } from '../core/ports.js';
import { startCoreProcess, type CoreConnection } from '../coreProcess/startCoreProcess.js';
import { createUnenrolledTerminal } from '../enroll/unenrolledTerminal.js';
import { readIdentity } from '../identity/terminalIdentity.js';

/** The running register as a front door (serve, and next Electron main) holds it. */
export interface TerminalHost {
  /** The terminal API: the unenrolled stand-in until enrollment, then the core's. */
  api: TerminalApi;
  /** The core's events, for every connected UI; the returned function unsubscribes. */
  events: { subscribe(listener: (event: TerminalEvent) => void): () => void };
  /** Whether the register was already enrolled when the host started. */
  enrolledAtStart: boolean;
  /** Resolves if the core process ends on its own (not through `stop`). */
  coreExited: Promise<void>;
  /** Stops the core process, if it runs. */
  stop(): Promise<void>;
}

export interface TerminalHostOptions {
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  duplicateWindowMs: number;
  /** Scanners from the config file, applied each time the core starts. */
  scanners: readonly ScannerConfig[];
  logger: Logger;
}

/**
 * Composes the register (DESIGN.md "The terminal core and its two front doors"): the core in
 * its own process when the register is enrolled, and before that a stand-in that can enroll
 * it and then starts the core. The front door only serves `api` and `events`.
 */
export async function startTerminalHost(options: TerminalHostOptions): Promise<TerminalHost> {
  const { dataDir, logger } = options;
  const listeners = new Set<(event: TerminalEvent) => void>();
  let core: CoreConnection | null = null;
  let hasExited = false;
  let coreExited!: () => void;
  const exited = new Promise<void>((resolve) => (coreExited = resolve));

  const startCore = async (): Promise<void> => {
    const started = await startCoreProcess({ dataDir, logLevel: options.logLevel, duplicateWindowMs: options.duplicateWindowMs });
    core = started;
    void started.exited.then(() => {
      hasExited = true;
      coreExited();
    });
    started.subscribe((event) => {
      for (const listener of listeners) listener(event);
    });
    for (const scanner of options.scanners) {
      const applied = await started.api.configureScanner(scanner);
      if (!applied.ok) logger.warn({ scanner: scanner.id, message: applied.error.message }, 'scanner from the config file not applied');
    }
    current = started.api;
  };

  let current: TerminalHandlers;
  const enrolledAtStart = readIdentity(dataDir, nodeEd25519) !== null;
  if (enrolledAtStart) {
    await startCore();
  } else {
    current = createUnenrolledTerminal({ dataDir, ed25519: nodeEd25519, logger, nowMs: () => Date.now(), onEnrolled: startCore });
  }

  return {
    // Whichever is current when a call arrives.
    api: localApi(() => current),
    events: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    enrolledAtStart,
    coreExited: exited,
    async stop() {
      const running: CoreConnection | null = core;
      if (running !== null && !hasExited) await running.close();
    },
  };
}
