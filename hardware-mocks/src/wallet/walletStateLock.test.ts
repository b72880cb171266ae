import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import demoKeys from '../../../fixtures/keys/TEST-ONLY-device-demo.json' with { type: 'json' };
import { WalletSimulator } from './walletSimulator.js';
import { loadWalletState, newWalletState, saveWalletState, withWalletStateLock, WalletStateError } from './walletState.js';

const dist = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;
const dir = mkdtempSync(path.join(tmpdir(), 'wallet-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function boundState(file: string): void {
  saveWalletState(file, {
    ...newWalletState('http://127.0.0.1:9'),
    device: { deviceId: demoKeys.deviceId, seed: demoKeys.deviceSeed, certificate: demoKeys.certificate, name: 'demo' },
  });
}

/** Another process minting `count` tokens from the same state file, as `tegata-wallet token` does. */
function mintInChild(file: string, count: number): Promise<number[]> {
  const script = `
    const { WalletSimulator } = await import(${JSON.stringify(dist)});
    const counters = [];
    for (let i = 0; i < ${count}; i++) {
      counters.push(new WalletSimulator({ stateFile: ${JSON.stringify(file)} }).token({ ttl: 30 }).counter);
    }
    process.stdout.write(JSON.stringify(counters));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child exited ${String(code)}: ${err}`))));
  });
}

const increasing = (values: number[]) => values.every((value, i) => i === 0 || value > values[i - 1]!);

describe('one wallet state file, one counter, across processes', () => {
  it('the page (a long-lived instance) and two CLI processes minting at once never share a counter', async () => {
    const file = path.join(dir, 'shared.json');
    boundState(file);
    // The wallet page: created before the others mint, keeps running while they do.
    const page = new WalletSimulator({ stateFile: file });
    const pageCounters: number[] = [];
    let children = true;
    const running = Promise.all([mintInChild(file, 40), mintInChild(file, 40)]).finally(() => (children = false));
    while (children || pageCounters.length < 5) {
      pageCounters.push(page.token({ ttl: 30 }).counter);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const [first, second] = await running;
    const all = [...first, ...second, ...pageCounters];
    expect(new Set(all).size).toBe(all.length);
    expect(increasing(first)).toBe(true);
    expect(increasing(second)).toBe(true);
    expect(increasing(pageCounters)).toBe(true);
    expect(loadWalletState(file)?.nextCounter).toBe(Math.max(...all) + 1);
    expect(Math.max(...all)).toBe(all.length);
  });

  it('a lock left by a process that died is broken; a live one is waited for, then refused clearly', () => {
    const file = path.join(dir, 'stale.json');
    boundState(file);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: Number(dead.stdout), nonce: 'gone', at: Date.now() }));
    expect(new WalletSimulator({ stateFile: file }).token().counter).toBe(1);

    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, nonce: 'held', at: Date.now() }));
    expect(() => withWalletStateLock(file, () => 'never', { timeoutMs: 200 })).toThrow(WalletStateError);
    expect(() => withWalletStateLock(file, () => 'never', { timeoutMs: 200 })).toThrow(/stale\.json\.lock/);
    expect(loadWalletState(file)?.nextCounter).toBe(2);
    rmSync(`${file}.lock`);
  });
});
