import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freshTestOnlyBundle } from '@tegata/hardware-mocks';
import type { TrustBundleDocument } from '@tegata/protocol';
import type { ApiResult, TerminalEvent } from '../../src/shared/contracts/terminalApi.js';

export const terminalBin = fileURLToPath(new URL('../../bin/tegata-terminal.mjs', import.meta.url));

/** `tegata-terminal dev-setup` with a TEST-ONLY bundle valid now (policy overrides allowed). */
export function devSetupDataDir(dataDir: string, policy: Partial<TrustBundleDocument['policy']> = {}): void {
  const now = Math.floor(Date.now() / 1000);
  const bundle = freshTestOnlyBundle(now);
  const trustPath = join(dataDir, '..', `trust-${now}-${Math.random().toString(36).slice(2)}.json`);
  const withPolicy = Object.keys(policy).length === 0 ? bundle : freshWithPolicy(now, policy);
  writeFileSync(trustPath, JSON.stringify(withPolicy));
  const result = spawnSync(process.execPath, [terminalBin, 'dev-setup', '--data', dataDir, '--trust', trustPath], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dev-setup failed: ${result.stderr}`);
}

function freshWithPolicy(now: number, policy: Partial<TrustBundleDocument['policy']>): unknown {
  const base = freshTestOnlyBundle(now);
  const document = JSON.parse(Buffer.from(base.payload, 'base64url').toString('utf8')) as TrustBundleDocument;
  return freshTestOnlyBundle(now, { policy: { ...document.policy, ...policy } });
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  token: string;
  call<T = unknown>(method: string, input?: object): Promise<ApiResult<T>>;
  events: TerminalEvent[];
  waitForEvent(predicate: (event: TerminalEvent) => boolean, timeoutMs?: number): Promise<TerminalEvent>;
  stop(): Promise<number | null>;
}

/** Starts `tegata-terminal serve`, reads its URL, and subscribes to its events. */
export async function startServe(dataDir: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [terminalBin, 'serve', '--data', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEGATA_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<URL>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /ready: (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]!));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${String(code)}: ${stderr}`)));
  });
  const port = Number(url.port);
  const token = url.hash.replace('#token=', '');
  const events: TerminalEvent[] = [];
  const waiters = new Set<() => void>();
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'hello', token }));
      resolve();
    });
    socket.once('error', reject);
  });
  socket.on('message', (data: Buffer) => {
    events.push(JSON.parse(data.toString('utf8')) as TerminalEvent);
    for (const wake of waiters) wake();
  });
  return {
    child,
    port,
    token,
    events,
    async call<T>(method: string, input: object = {}) {
      const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await response.json()) as ApiResult<T>;
    },
    waitForEvent(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.find(predicate);
          if (found === undefined) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    async stop() {
      socket.close();
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
