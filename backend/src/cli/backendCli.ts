/**
 * The `tegata-backend` command. `serve`, `migrate` and `keys init|delegate` work on the data
 * directory; the admin commands call the admin API of a running backend (so the backend
 * re-signs its trust bundle at once after a revocation or a key rotation).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createBackend, StartupError, type Backend } from '../backend.js';
import { keysDirectory, type Config } from '../config/config.js';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { openDatabase, SQLITE_FILE_NAME } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { delegateBundleKey, initKeys, rotateIssuer } from '../keys/keyCommands.js';
import { KeyFileError, ROOT_SECRET_FILE } from '../keys/keyFiles.js';
import { systemClock, nowSeconds } from '../runtime/clock.js';
import { systemRandom } from '../runtime/random.js';

export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  fetch: typeof fetch;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` then shuts down. */
  untilStopped(): Promise<void>;
}

export const USAGE = `Usage: tegata-backend <command> [options]

Service (options: --data <dir>, --config <file.json>; environment: TEGATA_DEV, DATABASE_URL, …):
  serve [--port <n>] [--host <addr>]      run the backend (dev mode creates keys on first start)
  migrate                                  apply database migrations and exit
  keys init [--root-out <file>]            create the root, a delegated bundle key and an issuer key
  keys delegate [--root <file>] [--days <n>]
                                           delegate a new bundle key (needs the root private key)
  keys rotate [--offline]                  start a new issuer key (through the admin API, or
                                           with --offline directly in --data's key files)

Admin (options: --url <base URL> or TEGATA_URL; token in TEGATA_ADMIN_TOKEN):
  store create <name>                      create a store
  enrollment-code <store id>               a single-use enrollment code and the root fingerprint
  terminals                                list terminals
  terminal revoke <terminal id>            revoke a terminal
  flags                                    list unresolved flags, newest first
  quarantine [terminal id]                 list quarantined records (made before the revocation or not)
  quarantine release <terminal id>         settle a revoked terminal's records made before its revocation
  flag resolve <flag id>                   mark a flag reviewed
  device revoke <device id>                revoke a customer device
  account credit <account id> <amount>     credit a wallet (dev mode only)
  keys status                              keys, windows and warnings

Output is JSON. Exit 0 on success, 1 on failure, 2 on a usage error.`;

class UsageError extends Error {}

const SERVICE_OPTIONS = {
  data: { type: 'string' },
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'root-out': { type: 'string' },
  root: { type: 'string' },
  days: { type: 'string' },
  offline: { type: 'boolean' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The lines of USAGE for one command (`store` gives `store create …`), or null when it has none. */
function commandHelp(command: string): string | null {
  const lines = USAGE.split('\n');
  const own: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line.startsWith(`  ${command} `) && line !== `  ${command}`) continue;
    own.push(line);
    for (const next of lines.slice(i + 1)) {
      if (!next.startsWith('     ')) break;
      own.push(next);
    }
  }
  if (own.length === 0) return null;
  const service = ['serve', 'migrate', 'keys'].includes(command);
  const options = service
    ? 'Options: --data <dir>, --config <file.json>; environment: TEGATA_DEV, DATABASE_URL, …'
    : 'Options: --url <base URL> or TEGATA_URL; the admin token in TEGATA_ADMIN_TOKEN.';
  return [`Usage: tegata-backend ${command} …`, '', ...own, '', options, lines.at(-1)!].join('\n');
}

function hint(command: string | undefined): string {
  return command !== undefined && commandHelp(command) !== null ? `run 'tegata-backend ${command} --help' for its options` : "run 'tegata-backend --help' for the commands";
}

export async function runBackendCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: string | undefined = argv.find((arg) => !arg.startsWith('-'));
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: SERVICE_OPTIONS, allowPositionals: true });
    const [first, ...rest] = positionals;
    command = first;
    if (values.help === true) {
      io.stdout((command === undefined ? null : commandHelp(command)) ?? USAGE);
      return 0;
    }
    switch (command) {
      case 'serve':
        return await serve(values, io);
      case 'migrate':
        return await migrate(values, io);
      case 'keys':
        return await keys(rest, values, io);
      case 'help':
      case undefined:
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return await adminCommand(command, rest, values, io);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`tegata-backend: ${(error as Error).message.split('. ')[0]!}\n${hint(command)}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof StartupError || error instanceof KeyFileError) {
      io.stderr(`tegata-backend: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

type Values = { [K in keyof typeof SERVICE_OPTIONS]?: (typeof SERVICE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function configFrom(values: Values, io: CliIo): Config {
  const overrides: Record<string, unknown> = { dataDir: values.data, host: values.host };
  if (values.port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(values.port)) throw new UsageError('--port must be a number from 0 to 65535');
    overrides.port = Number(values.port);
  }
  return loadConfig({ env: io.env, cwd: io.cwd, overrides, ...(values.config === undefined ? {} : { file: values.config }) });
}

async function serve(values: Values, io: CliIo): Promise<number> {
  const config = configFrom(values, io);
  const backend: Backend = await createBackend({ config });
  const url = await backend.listen();
  io.stderr(`tegata-backend: listening on ${url}${config.dev ? ' (dev mode)' : ''}; data in ${config.dataDir}`);
  await io.untilStopped();
  io.stderr('tegata-backend: stopping');
  await backend.close();
  return 0;
}

async function migrate(values: Values, io: CliIo): Promise<number> {
  const config = configFrom(values, io);
  const db = await openDatabase(
    config.databaseUrl === undefined
      ? { sqliteFile: path.join(config.dataDir, SQLITE_FILE_NAME) }
      : { databaseUrl: config.databaseUrl, ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }) },
  );
  try {
    const applied = await migrateToLatest(db);
    io.stdout(JSON.stringify({ database: db.description, applied }));
    return 0;
  } finally {
    await db.close();
  }
}

async function keys(rest: readonly string[], values: Values, io: CliIo): Promise<number> {
  const [sub] = rest;
  if (sub === 'status') return adminCommand('keys-status', [], values, io);
  if (sub === 'rotate' && values.offline !== true) return adminCommand('keys-rotate', [], values, io);
  const config = configFrom(values, io);
  const context = {
    directory: keysDirectory(config),
    ed: nodeEd25519,
    random: systemRandom,
    nowS: nowSeconds(systemClock),
    dev: config.dev,
  };
  switch (sub) {
    case 'init': {
      const result = await initKeys(context, {
        bundleKeyDays: config.keys.bundleKeyDays,
        issuerDays: config.keys.issuerDays,
        ...(values['root-out'] === undefined ? {} : { rootSecretFile: path.resolve(io.cwd, values['root-out']) }),
      });
      io.stdout(JSON.stringify({ ...result, testOnly: config.dev }));
      if (values['root-out'] === undefined) {
        io.stderr(`tegata-backend: move ${path.join(context.directory, ROOT_SECRET_FILE)} offline; only \`keys delegate\` needs it`);
      }
      return 0;
    }
    case 'delegate': {
      const rootSecretFile = path.resolve(io.cwd, values.root ?? path.join(context.directory, ROOT_SECRET_FILE));
      const file = await delegateBundleKey(context, { rootSecretFile, days: days(values, config.keys.bundleKeyDays) });
      io.stdout(JSON.stringify({ file }));
      return 0;
    }
    case 'rotate': {
      const result = rotateIssuer(context, { days: days(values, config.keys.issuerDays) });
      io.stdout(JSON.stringify(result));
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'keys needs init, delegate, rotate or status' : `unknown keys command "${sub}"`);
  }
}

function days(values: Values, fallback: number): number {
  if (values.days === undefined) return fallback;
  if (!/^[1-9][0-9]{0,3}$/.test(values.days)) throw new UsageError('--days must be a whole number of days');
  return Number(values.days);
}

interface AdminCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

function adminCall(command: string, args: readonly string[]): AdminCall {
  const need = (count: number, what: string): string[] => {
    if (args.length !== count) throw new UsageError(`${command} needs ${what}`);
    return [...args];
  };
  const id = (value: string | undefined): string => encodeURIComponent(value ?? '');
  switch (command) {
    case 'store': {
      const [sub, ...name] = args;
      if (sub !== 'create' || name.length === 0) throw new UsageError('store create <name>');
      return { method: 'POST', path: '/v1/admin/stores', body: { name: name.join(' ') } };
    }
    case 'enrollment-code':
      return { method: 'POST', path: `/v1/admin/stores/${id(need(1, '<store id>')[0])}/enrollment-codes` };
    case 'terminals':
      need(0, 'no arguments');
      return { method: 'GET', path: '/v1/admin/terminals' };
    case 'terminal': {
      const [sub, terminalId] = need(2, 'revoke <terminal id>');
      if (sub !== 'revoke') throw new UsageError('terminal revoke <terminal id>');
      return { method: 'POST', path: `/v1/admin/terminals/${id(terminalId)}/revoke` };
    }
    case 'flags':
      need(0, 'no arguments');
      return { method: 'GET', path: '/v1/admin/flags?unresolved=true' };
    case 'quarantine': {
      if (args.length === 0) return { method: 'GET', path: '/v1/admin/quarantine' };
      if (args[0] === 'release') {
        const [, terminalId] = need(2, 'release <terminal id>');
        return { method: 'POST', path: '/v1/admin/quarantine/release', body: { terminalId } };
      }
      const [terminalId] = need(1, '[terminal id] or release <terminal id>');
      return { method: 'GET', path: `/v1/admin/quarantine?terminalId=${id(terminalId)}` };
    }
    case 'flag': {
      const [sub, flagId] = need(2, 'resolve <flag id>');
      if (sub !== 'resolve') throw new UsageError('flag resolve <flag id>');
      return { method: 'POST', path: `/v1/admin/flags/${id(flagId)}/resolve` };
    }
    case 'device': {
      const [sub, deviceId] = need(2, 'revoke <device id>');
      if (sub !== 'revoke') throw new UsageError('device revoke <device id>');
      return { method: 'POST', path: `/v1/admin/devices/${id(deviceId)}/revoke` };
    }
    case 'account': {
      const [sub, accountId, amount] = need(3, 'credit <account id> <amount>');
      if (sub !== 'credit' || amount === undefined || !/^[1-9][0-9]{0,14}$/.test(amount)) {
        throw new UsageError('account credit <account id> <amount in minor units>');
      }
      return { method: 'POST', path: `/v1/admin/accounts/${id(accountId)}/credit`, body: { amount: Number(amount) } };
    }
    case 'keys-rotate':
      return { method: 'POST', path: '/v1/admin/keys/rotate' };
    case 'keys-status':
      return { method: 'GET', path: '/v1/admin/keys' };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function adminCommand(command: string, args: readonly string[], values: Values, io: CliIo): Promise<number> {
  const call = adminCall(command, args);
  const base = values.url ?? io.env.TEGATA_URL ?? `http://127.0.0.1:${io.env.TEGATA_PORT ?? '8080'}`;
  const token = io.env.TEGATA_ADMIN_TOKEN;
  if (token === undefined || token === '') throw new UsageError('set TEGATA_ADMIN_TOKEN to the admin token');
  let response: Response;
  try {
    response = await io.fetch(new URL(call.path, base), {
      method: call.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
  } catch (error) {
    io.stderr(`tegata-backend: cannot reach ${base} (${(error as Error).message})`);
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    io.stderr(`tegata-backend: ${call.method} ${call.path} → ${response.status}`);
    if (text !== '') io.stderr(text);
    return 1;
  }
  io.stdout(text === '' ? '{}' : text);
  return 0;
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

/** The real process's IO. */
export function processIo(): CliIo {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    fetch: globalThis.fetch,
    untilStopped: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}
