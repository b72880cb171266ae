import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Two pseudo-terminals joined by socat: a test plays the scanner by writing to `scannerPath`,
 * and the register opens `hostPath` through the real serialport bindings, exactly as it would
 * open /dev/ttyACM0. Closing the pair kills socat, which to the register looks like an unplug;
 * creating a new pair in the same directory is the replug (same `hostPath`).
 */
export interface PtyPair {
  /** The end the simulated scanner writes to. */
  readonly scannerPath: string;
  /** The end the register opens as its serial port. */
  readonly hostPath: string;
  /** Sends bytes as the scanner would, optionally one byte at a time with a pause after each. */
  write(bytes: Uint8Array | string, options?: { interByteDelayMs?: number }): Promise<void>;
  /** Kills socat (the unplug) and waits until it is gone and its links are removed. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** socat executable; default `socat` from PATH. */
  socat?: string;
  /** How long to wait for socat to create both links. Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** Whether socat can be run, for `describe.skipIf` in suites that need a pty pair. */
export function isSocatAvailable(socat = 'socat'): boolean {
  const probe = spawnSync(socat, ['-V'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** Starts socat with two raw, echo-free ptys linked as `<dir>/scanner` and `<dir>/host`. */
export async function createPtyPair(dir: string, options: PtyPairOptions = {}): Promise<PtyPair> {
  const scannerPath = join(dir, 'scanner');
  const hostPath = join(dir, 'host');
  // A socat killed with SIGKILL leaves its links behind, and socat will not replace them.
  rmSync(scannerPath, { force: true });
  rmSync(hostPath, { force: true });

  const socat = spawn(
    options.socat ?? 'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${scannerPath}`, `pty,raw,echo=0,link=${hostPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  socat.stderr?.setEncoding('utf8');
  socat.stderr?.on('data', (text: string) => {
    log += text;
  });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const started: { error: Error | null } = { error: null };
  socat.once('error', (error) => {
    started.error = error;
  });

  // Ready = both links exist and socat has entered its copy loop, so no early byte is lost.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  while (!(existsSync(scannerPath) && existsSync(hostPath) && log.includes('starting data transfer loop'))) {
    if (started.error !== null || socat.exitCode !== null || socat.signalCode !== null || Date.now() > deadline) {
      await stopSocat(socat, exited);
      const why = started.error !== null ? String(started.error) : `socat did not become ready:\n${log}`;
      throw new Error(`Could not create a pty pair in ${dir}: ${why}`);
    }
    await sleep(5);
  }

  const fd = openSync(scannerPath, constants.O_WRONLY | constants.O_NOCTTY);
  let closed = false;

  return {
    scannerPath,
    hostPath,
    async write(bytes, { interByteDelayMs = 0 } = {}) {
      if (closed) throw new Error('the pty pair is closed');
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
      if (interByteDelayMs <= 0) return writeFully(fd, data);
      for (let i = 0; i < data.length; i++) {
        writeFully(fd, data.subarray(i, i + 1));
        await sleep(interByteDelayMs);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        closeSync(fd);
      } catch {
        // The pty may already be gone with socat.
      }
      await stopSocat(socat, exited);
      rmSync(scannerPath, { force: true });
      rmSync(hostPath, { force: true });
    },
  };
}

function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

async function stopSocat(socat: ChildProcess, exited: Promise<void>): Promise<void> {
  if (socat.exitCode !== null || socat.signalCode !== null || socat.pid === undefined) return;
  socat.kill('SIGTERM');
  const grace = new AbortController();
  const timedOut = await Promise.race([
    exited.then(() => false),
    sleep(2000, true, { signal: grace.signal }).catch(() => false),
  ]);
  grace.abort();
  if (timedOut) {
    socat.kill('SIGKILL');
    await exited;
  }
}
