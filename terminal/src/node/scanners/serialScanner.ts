import type { ScannerConfig } from '../../shared/contracts/terminalApi.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import { MAX_READ_BYTES, createFrameSplitter, hexSample } from './serialFraming.js';
import { classifyOpenError, describeDevice, loadSystemBinding, openFailureMessage, portMatches, usableMatch } from './serialPorts.js';
import type { OpenFailure, SerialBinding, SerialBindingPort, SerialPortInfo } from './serialPorts.js';

export type SerialScannerStatus = 'connected' | 'disconnected' | 'reconnecting' | 'stopped';

/** pino's signature, so a pino child logger fits. */
export interface SerialScannerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ScannerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SerialScannerOptions {
  config: ScannerConfig & { kind: 'serial' };
  /** Defaults to the operating system's bindings from `serialport`. */
  binding?: SerialBinding;
  clock: { now(): number };
  onScan: (event: ScanEvent) => void;
  onProblem: (problem: ScannerProblem) => void;
  onStatus: (status: SerialScannerStatus) => void;
  logger?: SerialScannerLogger;
  timers?: ScannerTimers;
  /** Silence after which an unterminated read is reported and dropped. */
  partialFrameTimeoutMs?: number;
  /** How often the port list is checked, while connected and while waiting for the device. */
  watchdogIntervalMs?: number;
}

export interface SerialScanner {
  /** Resolves after the first open attempt; a failure is reported and retried, never thrown. */
  start(): Promise<void>;
  /** Closes the port and cancels every timer; nothing is reported after it resolves. */
  stop(): Promise<void>;
  readonly status: SerialScannerStatus;
}

export const DEFAULT_PARTIAL_FRAME_TIMEOUT_MS = 300;
export const DEFAULT_WATCHDOG_INTERVAL_MS = 2000;
const READ_CHUNK_BYTES = 4096;

type Target = { path: string; listed: boolean } | { failure: OpenFailure; message: string };

interface Connection {
  port: SerialBindingPort;
  path: string;
  /** Seen in the port list during this connection, so vanishing from it means something. */
  listed: boolean;
  /** Bytes arrived since the last watchdog check: the device is alive, no need to list. */
  heard: boolean;
}

const systemTimers: ScannerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const silentLogger: SerialScannerLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * A serial barcode scanner: opens the port, splits its byte stream into reads at the configured
 * terminator and reports each as a ScanEvent with the exact bytes received. It reads through the
 * binding directly rather than serialport's stream, whose 'close' never fires when a read is
 * cancelled underneath it; here any read that fails while we did not close the port is an unplug.
 * An unplug is also noticed by the device vanishing from the port list while the line is silent;
 * the scanner then waits for the device to return (by USB identity, else by path) and reopens it.
 */
export function createSerialScanner(options: SerialScannerOptions): SerialScanner {
  const { config, clock } = options;
  if (config.kind !== 'serial') throw new TypeError(`scanner ${config.id} is not a serial scanner`);
  const timers = options.timers ?? systemTimers;
  const log = options.logger ?? silentLogger;
  const partialFrameTimeoutMs = options.partialFrameTimeoutMs ?? DEFAULT_PARTIAL_FRAME_TIMEOUT_MS;
  const watchdogIntervalMs = options.watchdogIntervalMs ?? DEFAULT_WATCHDOG_INTERVAL_MS;
  const logFields = { scannerId: config.id };
  const splitter = createFrameSplitter(config.terminator);
  const match = usableMatch(config.match);

  let binding: SerialBinding | null = options.binding ?? null;
  let status: SerialScannerStatus = 'disconnected';
  let running = false;
  let connection: Connection | null = null;
  let silenceTimer: unknown = null;
  let pollTimer: unknown = null;
  /** The open failure last reported, so a device that stays away is not reported every poll. */
  let reportedFailure: OpenFailure | null = null;
  let listFailureLogged = false;
  const inFlight = new Set<Promise<void>>();

  function safely(what: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      log.error({ ...logFields, err: error }, `serial scanner ${what} listener threw`);
    }
  }

  function problem(code: ScannerProblem['code'], message: string, sample?: string): void {
    const report: ScannerProblem = { deviceId: config.id, at: clock.now(), code, message };
    if (sample !== undefined) report.sample = sample;
    safely('problem', () => options.onProblem(report));
  }

  function setStatus(next: SerialScannerStatus): void {
    if (status === next) return;
    status = next;
    safely('status', () => options.onStatus(next));
  }

  function track(task: Promise<void>): void {
    const guarded = task.catch((error: unknown) => {
      log.error({ ...logFields, err: error }, 'serial scanner task failed');
      // A bug in one poll must not end polling: a scanner that silently stops looking is wedged.
      if (running && pollTimer === null) {
        const conn = connection;
        schedule(conn ? () => watchdog(conn) : () => connect('reconnect'));
      }
    });
    inFlight.add(guarded);
    void guarded.finally(() => inFlight.delete(guarded));
  }

  function schedule(task: () => Promise<void>): void {
    if (pollTimer !== null) timers.clearTimeout(pollTimer);
    pollTimer = timers.setTimeout(() => {
      pollTimer = null;
      if (running) track(task());
    }, watchdogIntervalMs);
  }

  function clearTimers(): void {
    if (pollTimer !== null) timers.clearTimeout(pollTimer);
    if (silenceTimer !== null) timers.clearTimeout(silenceTimer);
    pollTimer = null;
    silenceTimer = null;
  }

  async function listPorts(from: SerialBinding): Promise<SerialPortInfo[] | null> {
    try {
      return await from.list();
    } catch (error) {
      if (!listFailureLogged) log.warn({ ...logFields, err: error }, 'cannot list serial ports; relying on the configured path');
      listFailureLogged = true;
      return null;
    }
  }

  async function findTarget(from: SerialBinding): Promise<Target> {
    const ports = await listPorts(from);
    if (match && ports) {
      const found = ports.find((port) => portMatches(port, match));
      if (found) return { path: found.path, listed: true };
    }
    const path = config.path;
    if (path === undefined) {
      return match
        ? { failure: 'not_found', message: `No serial port matches ${describeDevice(match)}. Plugged in? Try \`tegata-terminal ports\`.` }
        : { failure: 'not_found', message: `Scanner ${config.id} has neither a port path nor a USB match configured.` };
    }
    const atPath = ports?.find((port) => port.path === path);
    if (atPath && match) {
      return {
        failure: 'wrong_device',
        message: `Port ${path} holds a different device (${describeDevice(atPath)}), not the configured scanner (${describeDevice(match)}).`,
      };
    }
    return { path, listed: atPath !== undefined };
  }

  function openFailed(reason: 'start' | 'reconnect', failure: OpenFailure, message: string): void {
    if (reason === 'start' || failure !== reportedFailure) {
      log.warn({ ...logFields, failure }, message);
      problem('open_failed', message);
    }
    reportedFailure = failure;
    setStatus('reconnecting');
    schedule(() => connect('reconnect'));
  }

  async function connect(reason: 'start' | 'reconnect'): Promise<void> {
    if (binding === null) {
      try {
        binding = await loadSystemBinding();
      } catch (error) {
        // Retrying cannot bring a missing native module back: report and stay down.
        problem('open_failed', `Serial ports are not supported here: ${errorText(error)}`);
        setStatus('disconnected');
        return;
      }
    }
    const target = await findTarget(binding);
    if (!running) return;
    if ('failure' in target) return openFailed(reason, target.failure, target.message);

    let port: SerialBindingPort;
    try {
      port = await binding.open({
        path: target.path,
        baudRate: config.baudRate,
        dataBits: config.dataBits,
        parity: config.parity,
        stopBits: config.stopBits,
        lock: true,
      });
    } catch (error) {
      const failure = classifyOpenError(error);
      return openFailed(reason, failure, openFailureMessage(failure, target.path, error));
    }
    if (!running) return closeQuietly(port);

    const conn: Connection = { port, path: target.path, listed: target.listed, heard: false };
    connection = conn;
    reportedFailure = null;
    splitter.flush();
    log.info({ ...logFields, path: target.path, baudRate: config.baudRate }, 'serial scanner connected');
    setStatus('connected');
    if (reason === 'reconnect') problem('reconnected', `Scanner is back on ${target.path}.`);
    void readLoop(conn);
    schedule(() => watchdog(conn));
  }

  async function readLoop(conn: Connection): Promise<void> {
    const buffer = Buffer.alloc(READ_CHUNK_BYTES);
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await conn.port.read(buffer, 0, buffer.length));
      } catch (error) {
        return lose(conn, errorText(error));
      }
      if (connection !== conn) return;
      if (bytesRead === 0) return lose(conn, 'the port reported end of data');
      received(conn, buffer.subarray(0, bytesRead));
    }
  }

  function received(conn: Connection, bytes: Uint8Array): void {
    conn.heard = true;
    const receivedAt = clock.now();
    for (const out of splitter.push(bytes)) {
      if (out.kind === 'read') {
        safely('scan', () => options.onScan({ source: 'serial', deviceId: config.id, receivedAt, raw: out.raw }));
      } else {
        log.warn({ ...logFields, length: out.length }, 'over-long serial read dropped');
        problem(
          'line_too_long',
          `Dropped a read of more than ${MAX_READ_BYTES} bytes without a ${config.terminator} terminator. ` +
            `Check that the scanner ends each read with ${config.terminator}.`,
          out.sample,
        );
      }
    }
    if (silenceTimer !== null) timers.clearTimeout(silenceTimer);
    silenceTimer = splitter.idle ? null : timers.setTimeout(onSilence, partialFrameTimeoutMs);
  }

  function onSilence(): void {
    silenceTimer = null;
    reportPartial(`and then nothing for ${partialFrameTimeoutMs} ms`);
  }

  function reportPartial(why: string): void {
    const partial = splitter.flush();
    if (partial.length === 0) return;
    log.warn({ ...logFields, length: partial.length }, 'partial serial frame dropped');
    problem(
      'partial_frame',
      `${partial.length} bytes arrived without a ${config.terminator} terminator ${why}; they were dropped. ` +
        `Check the scanner's terminator setting.`,
      hexSample(partial),
    );
  }

  function lose(conn: Connection, cause: string): void {
    if (connection !== conn) return; // we closed it ourselves, or already handled
    connection = null;
    clearTimers();
    reportPartial('before the scanner disconnected');
    track(closeQuietly(conn.port));
    log.warn({ ...logFields, path: conn.path, cause }, 'serial scanner disconnected');
    problem('disconnected', `Scanner on ${conn.path} disconnected (${cause}). It reconnects by itself when plugged back in.`);
    // The device being absent while we wait is expected: only a different failure is news.
    reportedFailure = 'not_found';
    setStatus('reconnecting');
    schedule(() => connect('reconnect'));
  }

  async function watchdog(conn: Connection): Promise<void> {
    if (connection !== conn) return;
    if (conn.heard) {
      conn.heard = false;
      return schedule(() => watchdog(conn));
    }
    const ports = binding ? await listPorts(binding) : null;
    if (connection !== conn) return;
    if (ports !== null) {
      const present = ports.some((port) => port.path === conn.path);
      if (!present && conn.listed) return lose(conn, 'the system no longer lists the port');
      conn.listed ||= present;
    }
    schedule(() => watchdog(conn));
  }

  async function closeQuietly(port: SerialBindingPort): Promise<void> {
    if (!port.isOpen) return;
    try {
      await port.close();
    } catch (error) {
      log.warn({ ...logFields, err: error }, 'closing the serial port failed');
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      const first = connect('start');
      track(first);
      await first.catch(() => {}); // logged by track
    },
    async stop() {
      running = false;
      clearTimers();
      const conn = connection;
      connection = null;
      splitter.flush();
      if (conn) track(closeQuietly(conn.port));
      await Promise.all(inFlight);
      setStatus('stopped');
    },
    get status() {
      return status;
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
