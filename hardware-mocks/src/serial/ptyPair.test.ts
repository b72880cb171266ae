import { existsSync, mkdtempSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPtyPair, isSocatAvailable } from './ptyPair.js';
import type { PtyPair } from './ptyPair.js';

const socat = isSocatAvailable();
const suite = socat ? 'createPtyPair' : 'createPtyPair — SKIPPED: socat is not installed (apt-get install socat)';

describe.skipIf(!socat)(suite, () => {
  let dir: string;
  let pair: PtyPair | undefined;
  let host: ReadStream | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tegata-pty-'));
  });

  afterEach(async () => {
    host?.destroy();
    await pair?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads the host end as the register would, without the serialport bindings. */
  function readHost(path: string): Buffer[] {
    const chunks: Buffer[] = [];
    host = new ReadStream(openSync(path, 'r'));
    host.on('data', (chunk: Buffer) => chunks.push(chunk));
    return chunks;
  }

  it('carries every byte value from the scanner end to the host end, also one byte at a time', async () => {
    pair = await createPtyPair(dir);
    expect(pair.hostPath).toBe(join(dir, 'host'));
    const chunks = readHost(pair.hostPath);
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

    await pair.write(everyByte);
    await pair.write('TG1\r', { interByteDelayMs: 2 });
    const expected = Buffer.concat([everyByte, Buffer.from('TG1\r')]);
    await vi.waitFor(() => expect(Buffer.concat(chunks)).toEqual(expected), { timeout: 5000, interval: 10 });
  });

  it('removes its links on close and replaces stale ones on the next start', async () => {
    pair = await createPtyPair(dir);
    await pair.close();
    expect(existsSync(pair.hostPath) || existsSync(pair.scannerPath)).toBe(false);
    await expect(pair.write('x')).rejects.toThrow('closed');

    symlinkSync('/dev/pts/does-not-exist', join(dir, 'host')); // as a SIGKILLed socat leaves it
    pair = await createPtyPair(dir);
    const chunks = readHost(pair.hostPath);
    await pair.write('again\r');
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toBe('again\r'), { timeout: 5000, interval: 10 });
  });

  it('says why when socat cannot run', async () => {
    await expect(createPtyPair(dir, { socat: join(dir, 'no-socat-here') })).rejects.toThrow(/Could not create a pty pair .*ENOENT/);
  });
});
