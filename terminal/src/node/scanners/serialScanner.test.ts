import { createRequire } from 'node:module';
import type { MockBindingInterface, MockPortBinding } from '@serialport/binding-mock' with { 'resolution-mode': 'require' };
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scannerConfigSchema } from '../../shared/contracts/terminalApi.js';
import type { ScannerConfig } from '../../shared/contracts/terminalApi.js';
import type { ScanEvent, ScannerProblem } from '../../shared/scan/scanEvent.js';
import { createSerialScanner } from './serialScanner.js';
import type { ScannerTimers, SerialScanner, SerialScannerStatus } from './serialScanner.js';
import { listSerialPorts } from './serialPorts.js';
import type { SerialBinding } from './serialPorts.js';

// binding-mock's ESM entry ships no types; its CommonJS entry does.
const { MockBinding } = createRequire(import.meta.url)('@serialport/binding-mock') as { MockBinding: MockBindingInterface };

const WATCHDOG_MS = 2000;
const SCANNER_USB = { vendorId: '0c2e', productId: '0b61', serialNumber: 'SN-4711' };

/** A manual clock and timer queue: silence and polling happen only when a test advances time. */
function manualTime(start = 1_700_000_000_000) {
  let now = start;
  let nextId = 1;
  const due = new Map<number, { at: number; callback: () => void }>();
  const timers: ScannerTimers = {
    setTimeout(callback, ms) {
      const id = nextId++;
      due.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
  };
  return {
    clock: { now: () => now },
    timers,
    pending: () => due.size,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = end;
    },
  };
}

/**
 * MockBinding with USB identities: the mock numbers serial numbers itself, so the list is
 * rewritten with the identity a test plugs in; every opened mock port is kept for emitData.
 */
function usbBench() {
  const identities = new Map<string, Partial<typeof SCANNER_USB>>();
  const opened: MockPortBinding[] = [];
  let listCalls = 0;
  const binding: SerialBinding = {
    async list() {
      listCalls++;
      return (await MockBinding.list()).map((port) => ({ ...port, ...identities.get(port.path) }));
    },
    async open(options) {
      const port = await MockBinding.open(options);
      opened.push(port);
      return port;
    },
  };
  return {
    binding,
    plug(path: string, identity: Partial<typeof SCANNER_USB> = {}) {
      MockBinding.createPort(path, { echo: false, record: true });
      identities.set(path, identity);
    },
    /** The mock cannot remove one port, so this unplugs everything. */
    unplugAll() {
      MockBinding.reset();
      identities.clear();
    },
    get port(): MockPortBinding {
      const port = opened.at(-1);
      if (!port) throw new Error('no port was opened');
      return port;
    },
    get listCalls() {
      return listCalls;
    },
  };
}

/** Lets the mock binding's nextTick-driven reads reach the scanner. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const rawText = (event: ScanEvent | undefined) => (event ? Buffer.from(event.raw).toString('latin1') : undefined);

function serialConfig(input: Partial<ScannerConfig>): ScannerConfig & { kind: 'serial' } {
  return { ...scannerConfigSchema.parse({ id: 'till1-scanner', kind: 'serial', path: '/dev/ttyUSB0', ...input }), kind: 'serial' };
}

let bench: ReturnType<typeof usbBench>;
let time: ReturnType<typeof manualTime>;
let scans: ScanEvent[];
let problems: ScannerProblem[];
let statuses: SerialScannerStatus[];
let scanner: SerialScanner | undefined;

function makeScanner(config: Partial<ScannerConfig> = {}, onScan?: (event: ScanEvent) => void): SerialScanner {
  scanner = createSerialScanner({
    config: serialConfig(config),
    binding: bench.binding,
    clock: time.clock,
    timers: time.timers,
    onScan: onScan ?? ((event) => scans.push(event)),
    onProblem: (problem) => problems.push(problem),
    onStatus: (status) => statuses.push(status),
  });
  return scanner;
}

async function connected(config: Partial<ScannerConfig> = {}): Promise<SerialScanner> {
  const started = makeScanner(config);
  await started.start();
  expect(started.status).toBe('connected');
  return started;
}

beforeEach(() => {
  MockBinding.reset();
  bench = usbBench();
  time = manualTime();
  scans = [];
  problems = [];
  statuses = [];
  scanner = undefined;
});

afterEach(async () => {
  await scanner?.stop();
});

describe('serial scanner: framing', () => {
  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['TAB', '\t'],
  ] as const)('emits one ScanEvent per %s-terminated read, terminator included', async (terminator, end) => {
    bench.plug('/dev/ttyUSB0');
    await connected({ terminator });
    bench.port.emitData(latin1(`TG1AAAA${end}`));
    await settle();
    time.advance(5);
    bench.port.emitData(latin1(`]Q1TG1BBBB${end}`));
    await settle();

    expect(scans).toEqual([
      { source: 'serial', deviceId: 'till1-scanner', receivedAt: 1_700_000_000_000, raw: new Uint8Array(latin1(`TG1AAAA${end}`)) },
      { source: 'serial', deviceId: 'till1-scanner', receivedAt: 1_700_000_000_005, raw: new Uint8Array(latin1(`]Q1TG1BBBB${end}`)) },
    ]);
    expect(problems).toEqual([]);
  });

  it('reassembles a read that arrives one byte at a time, stamped at its last byte', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected({ terminator: 'CRLF' });
    const read = `TG1${'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.repeat(3)}\r\n`;
    for (const byte of latin1(read)) {
      time.advance(2); // 2 ms apart: 9600 baud-ish, well inside the silence timeout
      bench.port.emitData(Buffer.from([byte]));
      await settle();
    }
    expect(scans.map(rawText)).toEqual([read]);
    expect(scans[0]?.receivedAt).toBe(time.clock.now());
    expect(problems).toEqual([]);
  });

  it('emits two reads that arrive in one chunk, in order', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    bench.port.emitData(latin1('TG1FIRST\rTG1SECOND\rTG1TH'));
    await settle();
    bench.port.emitData(latin1('IRD\r'));
    await settle();
    expect(scans.map(rawText)).toEqual(['TG1FIRST\r', 'TG1SECOND\r', 'TG1THIRD\r']);
  });

  it('reports an over-long line once, discards it to the next terminator and then reads again', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    for (let i = 0; i < 6; i++) {
      bench.port.emitData(latin1('z'.repeat(1000)));
      await settle();
    }
    bench.port.emitData(latin1('zz\rTG1AFTER\r'));
    await settle();

    expect(problems).toEqual([
      expect.objectContaining({ code: 'line_too_long', deviceId: 'till1-scanner', sample: '7a'.repeat(64) }),
    ]);
    expect(scans.map(rawText)).toEqual(['TG1AFTER\r']);
  });

  it('drops an unterminated read after the silence timeout and reports it with a hex sample', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    bench.port.emitData(latin1('TG1HALF'));
    await settle();
    time.advance(299);
    expect(problems).toEqual([]);
    time.advance(1);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'partial_frame', sample: Buffer.from('TG1HALF').toString('hex'), at: 1_700_000_000_300 }),
    ]);

    bench.port.emitData(latin1('TG1WHOLE\r'));
    await settle();
    expect(scans.map(rawText)).toEqual(['TG1WHOLE\r']);
  });

  it('honours a configured silence timeout', async () => {
    bench.plug('/dev/ttyUSB0');
    scanner = createSerialScanner({
      config: serialConfig({}),
      binding: bench.binding,
      clock: time.clock,
      timers: time.timers,
      partialFrameTimeoutMs: 50,
      onScan: (event) => scans.push(event),
      onProblem: (problem) => problems.push(problem),
      onStatus: () => {},
    });
    await scanner.start();
    bench.port.emitData(latin1('TG1'));
    await settle();
    time.advance(50);
    expect(problems.map((p) => p.code)).toEqual(['partial_frame']);
  });

  it('passes binary noise on as a read with its exact bytes and keeps reading', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    const noise = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0d));
    bench.port.emitData(Buffer.concat([noise, latin1('\r')]));
    await settle();
    bench.port.emitData(latin1('TG1OK\r'));
    await settle();

    expect(scans.map((s) => Buffer.from(s.raw))).toEqual([Buffer.concat([noise, latin1('\r')]), latin1('TG1OK\r')]);
    expect(scanner?.status).toBe('connected');
  });

  it('keeps reading when a listener throws', async () => {
    bench.plug('/dev/ttyUSB0');
    const seen: string[] = [];
    makeScanner({}, (event) => {
      seen.push(rawText(event) ?? '');
      throw new Error('listener bug');
    });
    await scanner?.start();
    bench.port.emitData(latin1('A\rB\r'));
    await settle();
    bench.port.emitData(latin1('C\r'));
    await settle();
    expect(seen).toEqual(['A\r', 'B\r', 'C\r']);
  });
});

describe('serial scanner: unplug and replug', () => {
  it('notices a port closed under it, and reopens the same scanner by serial number at a new path', async () => {
    bench.plug('/dev/ttyUSB0', SCANNER_USB);
    await connected({ match: SCANNER_USB });

    bench.port.emitData(latin1('TG1HAL')); // cut off by the unplug
    await settle();
    bench.unplugAll();
    await bench.port.close();
    await settle();

    expect(scanner?.status).toBe('reconnecting');
    expect(problems.map((p) => p.code)).toEqual(['partial_frame', 'disconnected']);
    expect(problems[1]?.message).toContain('/dev/ttyUSB0');

    time.advance(WATCHDOG_MS); // still unplugged: no news, no new problem
    await vi.waitFor(() => expect(bench.listCalls).toBeGreaterThanOrEqual(2));
    await settle();
    expect(problems).toHaveLength(2);

    bench.plug('/dev/ttyACM3', { vendorId: '0a5f', productId: '0001', serialNumber: 'OTHER' });
    bench.plug('/dev/ttyUSB1', { ...SCANNER_USB, vendorId: '0C2E' });
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(scanner?.status).toBe('connected'));

    expect(problems.map((p) => p.code)).toEqual(['partial_frame', 'disconnected', 'reconnected']);
    expect(problems[2]?.message).toContain('/dev/ttyUSB1');
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(bench.port.openOptions.path).toBe('/dev/ttyUSB1');

    bench.port.emitData(latin1('TG1AGAIN\r'));
    await settle();
    expect(scans.map(rawText)).toEqual(['TG1AGAIN\r']);
  });

  it('notices a silent port that vanished from the port list, and reopens it by path', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    const first = bench.port;

    time.advance(WATCHDOG_MS); // silent but still listed: stays connected
    await vi.waitFor(() => expect(bench.listCalls).toBe(2));
    await settle();
    expect(scanner?.status).toBe('connected');

    bench.unplugAll(); // the read stays pending: only the watchdog can tell
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(scanner?.status).toBe('reconnecting'));
    expect(problems.map((p) => p.code)).toEqual(['disconnected']);
    expect(first.isOpen).toBe(false); // released, so the replugged device is not locked by us

    bench.plug('/dev/ttyUSB0');
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(scanner?.status).toBe('connected'));
    expect(problems.map((p) => p.code)).toEqual(['disconnected', 'reconnected']);
    bench.port.emitData(latin1('TG1BACK\r'));
    await settle();
    expect(scans.map(rawText)).toEqual(['TG1BACK\r']);
  });

  it('does not list ports while reads are flowing', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected();
    const callsAtStart = bench.listCalls;
    for (let i = 0; i < 3; i++) {
      bench.port.emitData(latin1('TG1X\r'));
      await settle();
      time.advance(WATCHDOG_MS);
      await settle();
    }
    expect(bench.listCalls).toBe(callsAtStart);
    expect(scans).toHaveLength(3);
  });

  it('does not open a different device that appears at the configured path', async () => {
    bench.plug('/dev/ttyUSB0', SCANNER_USB);
    await connected({ match: SCANNER_USB });
    bench.unplugAll();
    await bench.port.close();
    await settle();

    bench.plug('/dev/ttyUSB0', { vendorId: '0a5f', productId: '0001', serialNumber: 'PRINTER' });
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(problems.map((p) => p.code)).toEqual(['disconnected', 'open_failed']));
    expect(problems[1]?.message).toMatch(/different device.*serial PRINTER/);
    expect(scanner?.status).toBe('reconnecting');
  });
});

describe('serial scanner: opening', () => {
  it('opens with the configured line settings', async () => {
    bench.plug('/dev/ttyUSB0');
    await connected({ baudRate: 115200, dataBits: 7, parity: 'even', stopBits: 2 });
    expect(bench.port.openOptions).toMatchObject({ path: '/dev/ttyUSB0', baudRate: 115200, dataBits: 7, parity: 'even', stopBits: 2, lock: true });
  });

  it('reports a missing port once, in words a technician can act on, and connects when it is plugged in', async () => {
    const started = makeScanner();
    await started.start();

    expect(started.status).toBe('reconnecting');
    expect(problems).toEqual([
      {
        deviceId: 'till1-scanner',
        at: 1_700_000_000_000,
        code: 'open_failed',
        message: 'Port /dev/ttyUSB0 not found. Plugged in? Try `tegata-terminal ports`.',
      },
    ]);

    for (let i = 0; i < 3; i++) {
      time.advance(WATCHDOG_MS);
      await vi.waitFor(() => expect(bench.listCalls).toBe(i + 2));
      await settle();
    }
    expect(problems).toHaveLength(1);

    bench.plug('/dev/ttyUSB0');
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(started.status).toBe('connected'));
    expect(problems.map((p) => p.code)).toEqual(['open_failed', 'reconnected']);
  });

  it('reports a port another program holds as busy', async () => {
    bench.plug('/dev/ttyUSB0');
    const other = await MockBinding.open({ path: '/dev/ttyUSB0', baudRate: 9600 });
    await makeScanner().start();

    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^Port \/dev\/ttyUSB0 is busy: another program has it open/)]);
    await other.close();
    time.advance(WATCHDOG_MS);
    await vi.waitFor(() => expect(scanner?.status).toBe('connected'));
  });

  it('names the USB match when no path is configured and nothing matches', async () => {
    await makeScanner({ path: undefined, match: { serialNumber: 'SN-4711' } }).start();
    expect(problems[0]?.message).toBe('No serial port matches USB ????:???? serial SN-4711. Plugged in? Try `tegata-terminal ports`.');
  });

  it('rejects a keyboard-wedge configuration as a programming error', () => {
    const config = { ...serialConfig({}), kind: 'wedge' } as unknown as ScannerConfig & { kind: 'serial' };
    expect(() =>
      createSerialScanner({ config, binding: bench.binding, clock: time.clock, onScan: () => {}, onProblem: () => {}, onStatus: () => {} }),
    ).toThrow(/not a serial scanner/);
  });
});

describe('serial scanner: stop', () => {
  it('closes the port, cancels every timer and reports nothing afterwards', async () => {
    bench.plug('/dev/ttyUSB0');
    const started = await connected();
    bench.port.emitData(latin1('TG1PART'));
    await settle();
    expect(time.pending()).toBe(2); // silence timer + watchdog

    await started.stop();
    expect(started.status).toBe('stopped');
    expect(bench.port.isOpen).toBe(false);
    expect(time.pending()).toBe(0);
    time.advance(60_000);
    await settle();
    expect(problems).toEqual([]);
    expect(statuses).toEqual(['connected', 'stopped']);
  });

  it('stops while waiting for a missing device', async () => {
    const started = makeScanner();
    await started.start();
    await started.stop();
    expect(time.pending()).toBe(0);
    bench.plug('/dev/ttyUSB0');
    time.advance(60_000);
    await settle();
    expect(started.status).toBe('stopped');
  });
});

describe('listSerialPorts', () => {
  it('lists ports sorted by path with their USB identity', async () => {
    bench.plug('/dev/ttyUSB1', SCANNER_USB);
    bench.plug('/dev/ttyACM0', { vendorId: '0x0A5F', productId: '0001' });
    expect(await listSerialPorts(bench.binding)).toEqual([
      { path: '/dev/ttyACM0', vendorId: '0a5f', productId: '0001', serialNumber: '2', manufacturer: 'The J5 Robotics Company', pnpId: null },
      { path: '/dev/ttyUSB1', vendorId: '0c2e', productId: '0b61', serialNumber: 'SN-4711', manufacturer: 'The J5 Robotics Company', pnpId: null },
    ]);
  });

  it('explains a failed enumeration', async () => {
    const broken: SerialBinding = {
      list: () => Promise.reject(new Error('spawn udevadm ENOENT')),
      open: () => Promise.reject(new Error('unused')),
    };
    await expect(listSerialPorts(broken)).rejects.toThrow('Could not list serial ports: spawn udevadm ENOENT (on Linux this needs udev: is `udevadm` installed?)');
  });
});
