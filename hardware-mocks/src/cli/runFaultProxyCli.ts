import { parseArgs } from 'node:util';
import { describeFaultMode, startFaultProxy } from '../network/faultProxy.js';
import type { FaultMode, FaultProxy, FaultProxyOptions, SteadyFaultMode } from '../network/faultProxy.js';

/** Where the CLI reads and writes; injected so tests run it in-process. */
export interface FaultProxyCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Commands, one per line. */
  lines: AsyncIterable<string>;
  /** Settles when the process is asked to stop (SIGINT, SIGTERM); the value names the reason. */
  stopped: Promise<string>;
}

export const USAGE = `Usage: tegata-fault-proxy --target <host:port> [--listen <port>] [--mode <mode>] [--seed <n>]

A loopback TCP proxy that injects network faults between the register and the backend.
Listens on 127.0.0.1 (--listen 0, the default, picks a free port) and prints its URL.

Commands on standard input, one per line (add --drop to a mode to reset open connections too):
  pass                      forward both ways
  down                      reset every new connection at once
  blackhole                 accept, never answer, never close
  slow <ms> [bytes/s]       delay each direction by <ms>, cap the bandwidth
  cut <bytes>               forward only the first <bytes> of each response, then close
  reset <bytes>             reset each connection after <bytes> of its request
  flap <ms> [mode ...]      every <ms>, pick one of pass/down/blackhole (or the modes given)
  stats                     print the counters
  help                      print this text
  quit                      close the proxy and exit
--mode takes the same text as a command, e.g. --mode "slow 200 10000".
Exit status: 0 after quit or a signal, 1 if the proxy cannot start, 2 on a usage error.`;

export type FaultProxyCommand =
  | { type: 'mode'; mode: FaultMode; dropExisting: boolean }
  | { type: 'stats' }
  | { type: 'help' }
  | { type: 'quit' };

class UsageError extends Error {}

const SIMPLE_MODES: ReadonlyMap<string, SteadyFaultMode> = new Map([
  ['pass', { kind: 'pass' }],
  ['down', { kind: 'down' }],
  ['blackhole', { kind: 'blackhole' }],
]);

/** Parses one command line; throws UsageError (a RangeError for bad numbers) on anything else. */
export function parseFaultCommand(line: string): FaultProxyCommand {
  const words = line.trim().split(/\s+/).filter((word) => word !== '');
  const dropExisting = words.includes('--drop');
  const [name, ...args] = words.filter((word) => word !== '--drop');
  const mode = (value: FaultMode): FaultProxyCommand => ({ type: 'mode', mode: value, dropExisting });
  const simple = name === undefined ? undefined : SIMPLE_MODES.get(name);
  if (name !== undefined && simple !== undefined) {
    expectArgs(name, args, 0, 0);
    return mode(simple);
  }
  switch (name) {
    case 'slow':
      expectArgs(name, args, 1, 2);
      return mode({
        kind: 'slow',
        latencyMs: number(args[0], 'latency'),
        bytesPerSecond: args[1] === undefined ? Infinity : number(args[1], 'bytes/s'),
      });
    case 'cut':
      expectArgs(name, args, 1, 1);
      return mode({ kind: 'cut_response', afterBytes: number(args[0], 'bytes') });
    case 'reset':
      expectArgs(name, args, 1, 1);
      return mode({ kind: 'reset_request', afterBytes: number(args[0], 'bytes') });
    case 'flap': {
      expectArgs(name, args, 1, Infinity);
      const [period, ...names] = args;
      const modes = names.map((each) => {
        const found = SIMPLE_MODES.get(each);
        if (found === undefined) throw new UsageError(`flap: unknown mode "${each}" (pass, down, blackhole)`);
        return found;
      });
      return mode({ kind: 'flap', periodMs: number(period, 'period'), ...(modes.length > 0 ? { modes } : {}) });
    }
    case 'stats':
    case 'help':
    case 'quit':
      expectArgs(name, args, 0, 0);
      return { type: name };
    case 'exit':
      return { type: 'quit' };
    default:
      throw new UsageError(name === undefined ? 'empty command' : `unknown command "${name}" (try help)`);
  }
}

function expectArgs(name: string, args: readonly string[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(`${name} takes ${expected} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

function number(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${what} must be a number, got "${text}"`);
  return value;
}

function parsePort(text: string, what: string, min: number): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < min || port > 65535) throw new UsageError(`${what}: invalid port "${text}"`);
  return port;
}

function parseTarget(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new UsageError(`--target must be <host:port>, got "${text}"`);
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsePort(text.slice(colon + 1), '--target', 1) };
}

function parseOptions(argv: readonly string[]): FaultProxyOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      listen: { type: 'string' },
      mode: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.target === undefined) throw new UsageError('--target is required');
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  let mode: FaultMode = { kind: 'pass' };
  if (values.mode !== undefined) {
    const command = parseFaultCommand(values.mode);
    if (command.type !== 'mode') throw new UsageError(`--mode: "${values.mode}" is not a mode`);
    mode = command.mode;
  }
  return {
    target: parseTarget(values.target),
    listenPort: values.listen === undefined ? 0 : parsePort(values.listen, '--listen', 0),
    mode,
    seed,
  };
}

/** Runs the proxy until `quit` or a signal; returns the exit status. */
export async function runFaultProxyCli(
  argv: readonly string[],
  io: FaultProxyCliIo,
  start: (options: FaultProxyOptions) => Promise<FaultProxy> = startFaultProxy,
): Promise<number> {
  let options: FaultProxyOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError || isParseArgsError(error)) {
      io.stderr(`tegata-fault-proxy: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }

  let proxy: FaultProxy;
  try {
    proxy = await start({ ...options, onFlap: (mode, pick) => io.stdout(`flap #${pick}: ${describeFaultMode(mode)}`) });
  } catch (error) {
    io.stderr(`tegata-fault-proxy: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof RangeError ? 2 : 1;
  }
  const { host, port } = options.target;
  io.stdout(`listening ${proxy.url} -> ${host}:${port} (mode ${describeFaultMode(proxy.mode)}, seed ${options.seed})`);

  const stop = io.stopped.then((reason) => ({ done: true as const, reason }));
  const lines = io.lines[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([lines.next().then((result) => ({ ...result, reason: 'end of input' })), stop]);
    if (next.done === true) {
      if (next.reason === 'end of input') {
        io.stdout('end of input: running until interrupted (Ctrl-C)');
        io.stdout(`stopping: ${await io.stopped}`);
      } else {
        io.stdout(`stopping: ${next.reason}`);
      }
      break;
    }
    if (next.value.trim() === '') continue;
    if (!runCommand(next.value, proxy, io)) break;
  }
  await proxy.close();
  io.stdout('closed');
  return 0;
}

/** Runs one command line; false when it asks to quit. */
function runCommand(line: string, proxy: FaultProxy, io: FaultProxyCliIo): boolean {
  let command: FaultProxyCommand;
  try {
    command = parseFaultCommand(line);
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}`);
    return true;
  }
  switch (command.type) {
    case 'quit':
      return false;
    case 'help':
      io.stdout(USAGE);
      return true;
    case 'stats':
      io.stdout(JSON.stringify({ mode: proxy.mode, activeMode: proxy.activeMode, ...proxy.stats }));
      return true;
    case 'mode': {
      const open = proxy.stats.openConnections;
      try {
        proxy.setMode(command.mode, { dropExisting: command.dropExisting });
      } catch (error) {
        io.stderr(`error: ${(error as Error).message}`);
        return true;
      }
      const dropped = command.dropExisting ? ` (reset ${open} open connection${open === 1 ? '' : 's'})` : '';
      io.stdout(`mode: ${describeFaultMode(command.mode)}${dropped}`);
      return true;
    }
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
