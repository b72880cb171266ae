import type { ScannerConfig, ScannerView } from '../../shared/contracts/terminalApi.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import type { ScannerHost } from '../core/terminalCore.js';
import type { SerialBinding } from './serialPorts.js';
import { createSerialScanner, type SerialScanner, type SerialScannerLogger } from './serialScanner.js';

export interface RunningScannerHost extends ScannerHost {
  stopAll(): Promise<void>;
}

/**
 * Runs the serial scanners the register is configured with, restarting one whose settings
 * changed. Keyboard-wedge scanners type into the UI, which decodes them itself.
 */
export function createScannerHost(options: {
  onScan(event: ScanEvent): void;
  onProblem(problem: ScannerProblem): void;
  onStatus(id: string, status: ScannerView['status']): void;
  clock: { now(): number };
  logger: SerialScannerLogger;
  binding?: SerialBinding;
}): RunningScannerHost {
  const running = new Map<string, { config: string; scanner: SerialScanner }>();
  const statuses = new Map<string, ScannerView['status']>();
  const problems = new Map<string, ScannerProblem>();
  let chain: Promise<void> = Promise.resolve();

  function stop(id: string): Promise<void> {
    const entry = running.get(id);
    running.delete(id);
    statuses.delete(id);
    return entry === undefined ? Promise.resolve() : entry.scanner.stop();
  }

  function start(config: ScannerConfig & { kind: 'serial' }): Promise<void> {
    const scanner = createSerialScanner({
      config,
      clock: options.clock,
      logger: options.logger,
      ...(options.binding === undefined ? {} : { binding: options.binding }),
      onScan: (event) => options.onScan(event),
      onProblem(problem) {
        problems.set(config.id, problem);
        options.onProblem(problem);
      },
      onStatus(status) {
        const view: ScannerView['status'] = status === 'stopped' ? 'disabled' : status;
        statuses.set(config.id, view);
        options.onStatus(config.id, view);
      },
    });
    running.set(config.id, { config: JSON.stringify(config), scanner });
    return scanner.start();
  }

  return {
    apply(configs) {
      const wanted = new Map(
        configs
          .filter((config): config is ScannerConfig & { kind: 'serial' } => config.kind === 'serial' && config.enabled)
          .map((config) => [config.id, config]),
      );
      // One reconfiguration at a time, so a port is closed before it is opened again.
      chain = chain.then(async () => {
        for (const [id, entry] of [...running]) {
          const next = wanted.get(id);
          if (next === undefined || JSON.stringify(next) !== entry.config) await stop(id);
        }
        for (const [id, config] of wanted) if (!running.has(id)) await start(config);
      }).catch((error: unknown) => options.logger.error({ err: error }, 'applying scanner configuration failed'));
    },
    status: (id) => statuses.get(id) ?? 'unknown',
    lastProblem: (id) => problems.get(id) ?? null,
    async stopAll() {
      await chain;
      await Promise.all([...running.keys()].map(stop));
    },
  };
}
