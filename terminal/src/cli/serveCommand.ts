import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync } from 'node:fs';
import { startLoopbackServer } from '../node/api/loopbackServer.js';
import { loadTerminalConfig } from '../node/config/terminalConfig.js';
import { startCoreWorker, type CoreConnection } from '../node/worker/coreClient.js';
import { nodeEd25519 } from '@tegata/protocol/node';
import type { TerminalEvent, TerminalHandlers } from '../shared/contracts/terminalApi.js';
import { localApi } from '../shared/contracts/apiTransport.js';
import { createUnenrolledTerminal } from '../node/enroll/unenrolledTerminal.js';
import { readIdentity } from '../node/identity/terminalIdentity.js';
import { cliLogger, integerOption, removeServeInfo, resolveDataDir, UsageError, writeServeInfo } from './cliSupport.js';

/** The built renderer, if this package has one. */
function defaultStaticDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

export async function serveCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, config: { type: 'string' }, port: { type: 'string' }, static: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals.join(' ')}"`);
  const config = loadTerminalConfig(values.config);
  const dataDir = resolveDataDir(values.data, config.dataDir);
  const port = integerOption(values.port, '--port', 0, 65535) ?? config.port;
  const logger = cliLogger(config.logLevel);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  // The API the server serves; before enrollment a stand-in that can enroll, then the core.
  const listeners = new Set<(event: TerminalEvent) => void>();
  let core: CoreConnection | null = null;
  let coreExited!: () => void;
  const exited = new Promise<'core_exited'>((resolve) => (coreExited = () => resolve('core_exited')));
  const startCore = async (): Promise<void> => {
    core = await startCoreWorker({ dataDir, logLevel: config.logLevel, duplicateWindowMs: config.duplicateWindowMs });
    void core.exited.then(() => coreExited());
    core.subscribe((event) => {
      for (const listener of listeners) listener(event);
    });
    for (const scanner of config.scanners) {
      const applied = await core.api.configureScanner(scanner);
      if (!applied.ok) logger.warn({ scanner: scanner.id, message: applied.error.message }, 'scanner from the config file not applied');
    }
    current = core.api;
  };
  let current: TerminalHandlers;
  if (readIdentity(dataDir, nodeEd25519) === null) {
    current = createUnenrolledTerminal({ dataDir, ed25519: nodeEd25519, logger, nowMs: () => Date.now(), onEnrolled: startCore });
    process.stderr.write('tegata-terminal: this register is not enrolled yet; enroll it through the API or `tegata-terminal enroll`\n');
  } else {
    await startCore();
  }
  // Whichever is current when a call arrives: the stand-in until enrollment, then the core.
  const api = localApi(() => current);
  const staticDir = values.static ?? config.staticDir ?? defaultStaticDir();
  const server = await startLoopbackServer({
    api,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    port,
    logger,
    ...(staticDir === undefined ? {} : { staticDir }),
  });
  writeServeInfo(dataDir, { pid: process.pid, port: server.port, token: server.token });
  process.stdout.write(`Tegata register ready: ${server.url}\n`);

  const signalled = new Promise<'signal'>((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
  });
  const reason = await Promise.race([signalled, exited]);
  removeServeInfo(dataDir);
  await server.close();
  if (reason === 'core_exited') {
    process.stderr.write('tegata-terminal: the register core stopped unexpectedly; serve is exiting\n');
    return 1;
  }
  await (core as CoreConnection | null)?.close();
  return 0;
}
