import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTerminalHost } from './terminalHost.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('startTerminalHost before enrollment', () => {
  it('serves the unenrolled stand-in through the contract, and stops without a core', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tegata-host-'));
    dirs.push(dataDir);
    const host = await startTerminalHost({ dataDir, logLevel: 'silent', duplicateWindowMs: 1500, scanners: [], logger: quiet });
    expect(host.enrolledAtStart).toBe(false);
    const status = await host.api.status({});
    expect(status).toMatchObject({ ok: true, value: { terminalId: null, sale: { state: 'idle' } } });
    expect(await host.api.startSale({ amount: 100, currency: 392 })).toMatchObject({ ok: false, error: { code: 'not_enrolled' } });
    // Input is parsed on the way in, as over any transport.
    expect(await host.api.startSale({ amount: 0, currency: 392 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await host.api.cancelEnrollment({})).toEqual({ ok: true, value: { cancelled: false } });
    const unsubscribe = host.events.subscribe(() => undefined);
    unsubscribe();
    await host.stop();
  });
});
