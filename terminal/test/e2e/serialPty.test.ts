import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPtyPair, isSocatAvailable, type PtyPair } from '@tegata/hardware-mocks';
import { scannerConfigSchema } from '../../src/shared/contracts/terminalApi.js';
import type { ScanEvent, ScannerProblem } from '../../src/shared/scan/scanEvent.js';
import { createSerialScanner } from '../../src/node/scanners/serialScanner.js';
import type { SerialScanner, SerialScannerStatus } from '../../src/node/scanners/serialScanner.js';

/**
 * The serial scanner through the operating system's serialport bindings: socat joins two ptys,
 * the test writes as the scanner on one end and the register opens the other, as it would a
 * USB-serial adapter. Killing socat is the unplug, restarting it the replug.
 */
const socat = isSocatAvailable();
const suite = socat
  ? 'serial scanner over a socat pty pair (real bindings)'
  : 'serial scanner over a socat pty pair (real bindings) — SKIPPED: socat is not installed (apt-get install socat)';

/** A token-shaped read: `TG1` and 327 base32 characters, as a wallet's QR code carries. */
const TOKEN_LIKE = `TG1${'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.repeat(11).slice(0, 327)}`;
const FAST = { timeout: 5000, interval: 10 };

describe.skipIf(!socat)(suite, () => {
  let dir: string;
  let pair: PtyPair | undefined;
  let scanner: SerialScanner | undefined;
  let scans: ScanEvent[];
  let problems: ScannerProblem[];
  let statuses: SerialScannerStatus[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tegata-serial-'));
  });

  afterEach(async () => {
    await scanner?.stop();
    await pair?.close();
    scanner = undefined;
    pair = undefined;
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function startScanner(path: string): SerialScanner {
    scans = [];
    problems = [];
    statuses = [];
    const config = { ...scannerConfigSchema.parse({ id: 'pty-scanner', kind: 'serial', path, terminator: 'CR' }), kind: 'serial' as const };
    return createSerialScanner({
      config,
      clock: { now: () => Date.now() },
      onScan: (event) => scans.push(event),
      onProblem: (problem) => problems.push(problem),
      onStatus: (status) => statuses.push(status),
      // Generous: this suite is about bytes and unplugs, not the silence timeout.
      partialFrameTimeoutMs: 2000,
      watchdogIntervalMs: 50,
    });
  }

  it('delivers the exact bytes written, whole or byte by byte, survives an unplug and reconnects', async () => {
    pair = await createPtyPair(dir);
    scanner = startScanner(pair.hostPath);
    await scanner.start();
    expect(scanner.status).toBe('connected');

    // A whole token-like read in one write.
    const before = Date.now();
    await pair.write(`${TOKEN_LIKE}\r`);
    await vi.waitFor(() => expect(scans).toHaveLength(1), FAST);
    expect(Buffer.from(scans[0]?.raw ?? []).toString('latin1')).toBe(`${TOKEN_LIKE}\r`);
    expect(scans[0]).toMatchObject({ source: 'serial', deviceId: 'pty-scanner' });
    expect(scans[0]?.receivedAt).toBeGreaterThanOrEqual(before);

    // The same read trickling in, so the driver hands it over in many small chunks.
    await pair.write(`${TOKEN_LIKE.slice(0, 40)}\r`, { interByteDelayMs: 3 });
    await vi.waitFor(() => expect(scans).toHaveLength(2), FAST);
    expect(Buffer.from(scans[1]?.raw ?? []).toString('latin1')).toBe(`${TOKEN_LIKE.slice(0, 40)}\r`);

    // Every byte value but the terminator arrives untranslated (raw mode on both ptys).
    const everyByte = Buffer.from([...Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0d), 0x0d]);
    await pair.write(everyByte);
    await vi.waitFor(() => expect(scans).toHaveLength(3), FAST);
    expect(Buffer.from(scans[2]?.raw ?? [])).toEqual(everyByte);
    expect(problems).toEqual([]);

    // Unplug: socat goes away with both ptys.
    await pair.close();
    await vi.waitFor(() => expect(scanner?.status).toBe('reconnecting'), FAST);
    expect(problems.map((p) => p.code)).toEqual(['disconnected']);
    expect(problems[0]?.message).toContain(pair.hostPath);

    // Replug: a new socat relinks the same host path to a fresh pty.
    pair = await createPtyPair(dir);
    await vi.waitFor(() => expect(scanner?.status).toBe('connected'), FAST);
    expect(problems.map((p) => p.code)).toEqual(['disconnected', 'reconnected']);
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);

    await pair.write('TG1AGAIN\r');
    await vi.waitFor(() => expect(scans).toHaveLength(4), FAST);
    expect(Buffer.from(scans[3]?.raw ?? []).toString('latin1')).toBe('TG1AGAIN\r');
  });

  it('reports a missing port and a port another program holds, with the operating system’s errors', async () => {
    scanner = startScanner(join(dir, 'no-such-port'));
    await scanner.start();
    expect(problems.map((p) => p.message)).toEqual([
      `Port ${join(dir, 'no-such-port')} not found. Plugged in? Try \`tegata-terminal ports\`.`,
    ]);
    await scanner.stop();

    pair = await createPtyPair(dir);
    const holder = startScanner(pair.hostPath);
    await holder.start();
    expect(holder.status).toBe('connected');
    scanner = startScanner(pair.hostPath); // the register's second scanner entry for the same port
    await scanner.start();
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^Port .*\/host is busy: another program has it open/)]);
    await holder.stop();
  });
});
