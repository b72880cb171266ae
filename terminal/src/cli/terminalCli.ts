import { parseArgs } from 'node:util';
import { runTokenCli, processIo } from '@tegata/protocol/cli';
import { StoreError } from '../node/store/openDatabase.js';
import { NotEnrolledError } from '../node/core/openCore.js';
import { ConfigError } from '../node/config/terminalConfig.js';
import { IdentityError } from '../node/identity/terminalIdentity.js';
import { UsageError } from './cliSupport.js';
import { asksForHelp, COMMAND_HELP, helpHint, joinNegativeNumbers, parseErrorLine } from './commandHelp.js';
import { devSetupCommand } from './devSetupCommand.js';
import { enrollCommand } from './enrollCommand.js';
import { EnrollError } from '../node/enroll/enrollTerminal.js';
import { BackendError } from '../node/sync/backendClient.js';
import { historyCommand } from './historyCommand.js';
import { portsCommand } from './portsCommand.js';
import { SaleError, saleCommand } from './saleCommand.js';
import { serveCommand } from './serveCommand.js';
import { statusCommand } from './statusCommand.js';
import { syncCommand } from './syncCommand.js';
import { verifyWithDatabase } from './verifyCommand.js';

export const USAGE = `Usage: tegata-terminal <command> [options]

  serve      [--data <dir>] [--config <file>] [--port <n>] [--static <dir>]
             Runs the register core and serves the UI and API on 127.0.0.1; prints the URL.
  status     [--data <dir>] [--json]
             Online/offline, pending sales, clock, trust bundle and closed gates.
  sync       [--data <dir>] [--rounds <n>] [--quiet]
             Sync now: sends what waits (progress on stderr), prints the report as JSON.
  sale       --amount <minor units> --currency <ISO 4217 numeric> [--data <dir>] [--timeout <s>] [--token <code | ->]
             Starts a sale, waits for one scan from the configured scanner (or takes the payment code
             from --token; - reads it from standard input), prints the decision as JSON.
  history    [--data <dir>] [--all] [--json]
             Today's sales: time, amount, decision, sync and settlement state.
  enroll     --backend <url> --code <code> [--data <dir>] [--name <name>] [--fingerprint <fp>]
             Enrolls this register; pins the root key only once its fingerprint is confirmed.
  ports      Lists serial ports with vendor id, product id and serial number.
  verify     [--db <data dir>] <tegata-token verify options> <token | ->
             Like tegata-token verify; with --db, the register's stateful decision (stages A–C) too.
  dev-setup  --data <dir> [--trust <bundle.json>] [--terminal-id <id>]
             DEVELOPMENT ONLY: enrolls the data directory with TEST-ONLY fixture keys.

The data directory defaults to $TEGATA_TERMINAL_DATA or ./data/terminal.
'tegata-terminal <command> --help' shows a command's options.`;

export async function runTerminalCli(argv: readonly string[]): Promise<number> {
  const [command, ...given] = argv;
  const rest = joinNegativeNumbers(given);
  if (command !== undefined && command in COMMAND_HELP && asksForHelp(rest)) {
    process.stdout.write(`${COMMAND_HELP[command]}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest);
      case 'status':
        return await statusCommand(rest);
      case 'sale':
        return await saleCommand(rest);
      case 'history':
        return await historyCommand(rest);
      case 'ports':
        return await portsCommand(rest);
      case 'sync':
        return await syncCommand(rest);
      case 'enroll':
        return await enrollCommand(rest);
      case 'dev-setup':
        return devSetupCommand(rest);
      case 'verify': {
        const { values } = parseArgs({ args: [...rest], allowPositionals: true, strict: false, options: { db: { type: 'string' } } });
        if (typeof values.db === 'string') return await verifyWithDatabase(rest);
        return await runTokenCli(['verify', ...rest], processIo());
      }
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        process.stdout.write(`${topic !== undefined && topic in COMMAND_HELP ? COMMAND_HELP[topic] : USAGE}\n`);
        return 0;
      }
      default:
        throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      const line = error instanceof UsageError ? error.message : parseErrorLine(error as Error);
      process.stderr.write(`tegata-terminal: ${line}\n${helpHint(command)}\n`);
      return 2;
    }
    if (
      error instanceof NotEnrolledError ||
      error instanceof StoreError ||
      error instanceof ConfigError ||
      error instanceof IdentityError ||
      error instanceof EnrollError ||
      error instanceof BackendError ||
      error instanceof SaleError
    ) {
      process.stderr.write(`tegata-terminal: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}
