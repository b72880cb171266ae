import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import type { ApiResult, TerminalApi, TerminalEvent, TerminalMethod } from '../../shared/contracts/terminalApi.js';
import { createApi } from '../../shared/contracts/apiTransport.js';
import type { CoreProcessData, FromCore, ToCore } from './coreProcessMessages.js';

export interface CoreConnection {
  api: TerminalApi;
  /** Resolves with the exit code when the core process ends, for whatever reason. */
  exited: Promise<number | null>;
  subscribe(listener: (event: TerminalEvent) => void): () => void;
  close(): Promise<void>;
}

/** The built core process entry (tests run from sources, the core process always from the build). */
function coreProcessEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./coreProcessMain.js', import.meta.url);
  const built = new URL('../../../dist/node/coreProcess/coreProcessMain.js', import.meta.url);
  if (!existsSync(built)) throw new Error('the terminal is not built: run `npm run build`');
  return built;
}

/** Starts the core in a child process and returns the typed API over its IPC channel. */
export function startCoreProcess(data: CoreProcessData): Promise<CoreConnection> {
  const worker = fork(fileURLToPath(coreProcessEntry()), [JSON.stringify(data)], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const postMessage = (message: ToCore): void => {
    if (worker.connected) worker.send(message);
  };
  const listeners = new Set<(event: TerminalEvent) => void>();
  const pending = new Map<number, (result: ApiResult<unknown>) => void>();
  let nextId = 1;
  let closed: (() => void) | null = null;
  let exitError: Error | null = null;
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    worker.on('message', (message: FromCore) => {
      switch (message.type) {
        case 'ready':
          resolve(connection);
          break;
        case 'failed':
          exitError = new Error(message.message);
          reject(exitError);
          break;
        case 'result':
          pending.get(message.id)?.(message.result);
          pending.delete(message.id);
          break;
        case 'event':
          for (const listener of listeners) listener(message.event);
          break;
        case 'closed':
          closed?.();
          break;
      }
    });
    worker.on('error', (error) => {
      exitError = error;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (exitError === null && code !== 0) {
        exitError = new Error(`the register core exited with code ${String(code)}`);
        reject(exitError);
      }
      for (const settle of pending.values()) {
        settle({ ok: false, error: { code: 'internal', message: 'The register core stopped.' } });
      }
      pending.clear();
      closed?.();
    });

    const call = (method: TerminalMethod, input: unknown): Promise<ApiResult<unknown>> =>
      new Promise<ApiResult<unknown>>((settle) => {
        if (exitError !== null) {
          settle({ ok: false, error: { code: 'internal', message: 'The register core stopped.' } });
          return;
        }
        const id = nextId++;
        pending.set(id, settle);
        const message: ToCore = { type: 'call', id, method, input };
        postMessage(message);
      });

    const connection: CoreConnection = {
      api: createApi(call),
      exited,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: () =>
        new Promise<void>((done) => {
          closed = done;
          const message: ToCore = { type: 'close' };
          postMessage(message);
        }),
    };
  });
}
