import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync } from 'node:fs';
import { startLoopbackServer } from '../node/api/loopbackServer.js';
import { loadTerminalConfig } from '../node/config/terminalConfig.js';
import { startTerminalHost } from '../node/host/terminalHost.js';
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
  const host = await startTerminalHost({
    dataDir,
    logLevel: config.logLevel,
    duplicateWindowMs: config.duplicateWindowMs,
    scanners: config.scanners,
    logger,
  });
  if (!host.enrolledAtStart) {
    process.stderr.write('tegata-terminal: this register is not enrolled yet; enroll it through the API or `tegata-terminal enroll`\n');
  }
  const exited = host.coreExited.then(() => 'core_exited' as const);
  const staticDir = values.static ?? config.staticDir ?? defaultStaticDir();
  const server = await startLoopbackServer({
    api: host.api,
    subscribe: (listener) => host.events.subscribe(listener),
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
  await host.stop();
  return 0;
}
