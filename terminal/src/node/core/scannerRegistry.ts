import {
  scannerConfigSchema,
  type ApiParsedInput,
  type ApiResult,
  type ScannerConfig,
  type ScannerTestResult,
  type ScannerView,
} from '../../shared/contracts/terminalApi.js';
import type { ScanEvent } from '../../shared/scan/scanEvent.js';
import { createScanPipeline, type PipelineResult, type ScanPipeline } from '../../shared/scan/scanPipeline.js';
import type { TerminalStore } from '../store/terminalStore.js';
import type { Logger, ScannerHost } from './ports.js';
import { scannerTestResult } from './recordView.js';

/**
 * The register's scanners: their settings (stored in the database), the running host, the
 * scan pipeline that strips each one's framing, and the technician's test reads.
 */
export class ScannerRegistry {
  readonly #pipeline: ScanPipeline;
  readonly #tests = new Map<string, (result: ScannerTestResult) => void>();
  #framing = new Map<string, ScannerConfig>();

  constructor(
    private readonly store: TerminalStore,
    private readonly host: ScannerHost | undefined,
    private readonly logger: Logger,
    duplicateWindowMs: number | undefined,
  ) {
    this.#pipeline = createScanPipeline({
      ...(duplicateWindowMs === undefined ? {} : { duplicateWindowMs }),
      framingFor: (deviceId) => this.#framing.get(deviceId),
    });
    this.#load();
  }

  /** A read through the pipeline; `null` when a technician's test took it. */
  accept(event: ScanEvent): PipelineResult | null {
    const result = this.#pipeline.accept(event);
    const test = this.#tests.get(event.deviceId);
    if (test === undefined) return result;
    this.#tests.delete(event.deviceId);
    test(scannerTestResult(event, result));
    return null;
  }

  /** Starts the stored scanners (once, at start). */
  start(): void {
    this.host?.apply(this.#load());
  }

  list(): ScannerView[] {
    return this.#load().map((config) => this.#view(config));
  }

  configure(input: ApiParsedInput<'configureScanner'>): ApiResult<ScannerView> {
    if (input.kind === 'serial' && input.path === undefined && input.match === undefined) {
      return {
        ok: false,
        error: { code: 'invalid_input', message: 'A serial scanner needs a port path (see `tegata-terminal ports`) or a vendor/product/serial match.' },
      };
    }
    this.store.transaction(() => this.store.putScanner(input.id, input));
    this.host?.apply(this.#load());
    return { ok: true, value: this.#view(input) };
  }

  remove(id: string): boolean {
    const removed = this.store.transaction(() => this.store.deleteScanner(id));
    if (removed) this.host?.apply(this.#load());
    return removed;
  }

  /** Waits for the next read from that scanner and shows it instead of selling with it. */
  test(input: ApiParsedInput<'testScanner'>): Promise<ApiResult<ScannerTestResult>> {
    if (this.#tests.has(input.id)) {
      return Promise.resolve({ ok: false, error: { code: 'busy', message: `A test of scanner ${input.id} is already waiting for a read.` } });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#tests.delete(input.id);
        resolve({
          ok: false,
          error: { code: 'timeout', message: `Scanner ${input.id} sent nothing within ${input.timeoutMs / 1000} s. Is it connected and set to this port?` },
        });
      }, input.timeoutMs);
      this.#tests.set(input.id, (result) => {
        clearTimeout(timer);
        resolve({ ok: true, value: result });
      });
    });
  }

  /** Settings from the database; rows an older build wrote are validated, bad ones skipped. */
  #load(): ScannerConfig[] {
    const configs: ScannerConfig[] = [];
    for (const row of this.store.scannerConfigs()) {
      const parsed = scannerConfigSchema.safeParse(row);
      if (parsed.success) configs.push(parsed.data);
      else this.logger.warn({ issue: parsed.error.issues[0]?.message }, 'ignoring an invalid stored scanner configuration');
    }
    this.#framing = new Map(configs.map((config) => [config.id, config]));
    return configs;
  }

  #view(config: ScannerConfig): ScannerView {
    return {
      ...config,
      status: !config.enabled ? 'disabled' : (this.host?.status(config.id) ?? 'unknown'),
      lastProblem: this.host?.lastProblem(config.id) ?? null,
    };
  }
}
