import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { startLoopbackServer } from '../node/api/loopbackServer.js';
import { loadTerminalConfig } from '../node/config/terminalConfig.js';
import { startCoreWorker } from '../node/worker/coreClient.js';
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

  const core = await startCoreWorker({ dataDir, logLevel: config.logLevel, duplicateWindowMs: config.duplicateWindowMs });
  for (const scanner of config.scanners) {
    const applied = await core.api.configureScanner(scanner);
    if (!applied.ok) logger.warn({ scanner: scanner.id, message: applied.error.message }, 'scanner from the config file not applied');
  }
  const staticDir = values.static ?? config.staticDir ?? defaultStaticDir();
  const server = await startLoopbackServer({
    api: core.api,
    subscribe: (listener) => core.subscribe(listener),
    port,
    logger,
    ...(staticDir === undefined ? {} : { staticDir }),
  });
  writeServeInfo(dataDir, { pid: process.pid, port: server.port, token: server.token });
  process.stdout.write(`Tegata register ready: ${server.url}\n`);

  const reason = await new Promise<'signal' | 'core_exited'>((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
    void core.exited.then(() => resolve('core_exited'));
  });
  removeServeInfo(dataDir);
  await server.close();
  if (reason === 'core_exited') {
    process.stderr.write('tegata-terminal: the register core stopped unexpectedly; serve is exiting\n');
    return 1;
  }
  await core.close();
  return 0;
}
