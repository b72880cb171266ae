/**
 * `tegata-terminal <command> --help`: each command's own help (the overview is USAGE in
 * terminalCli.ts). Usage errors print one line and point here.
 */
const DATA = `  --data <dir>        the register's data directory (default $TEGATA_TERMINAL_DATA or ./data/terminal)`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: `Usage: tegata-terminal serve [--data <dir>] [--config <file>] [--port <n>] [--static <dir>]

Runs the register core and serves its API (and the screen, once built) on 127.0.0.1; prints the URL.
${DATA}
  --config <file>     a terminal.json (keys in terminal/src/node/config/terminalConfig.ts)
  --port <n>          0 to 65535 (default from the config, else a free port)
  --static <dir>      the built screen to serve`,
  status: `Usage: tegata-terminal status [--data <dir>] [--json]

Online or offline (and why), what waits to sync, the last sync, clock, trust bundle and closed gates.
Reads only: creates nothing.
${DATA}
  --json              one JSON object instead of text`,
  sync: `Usage: tegata-terminal sync [--data <dir>] [--rounds <n>] [--quiet]

Syncs now: sends what waits (progress on stderr) and prints the report as JSON.
${DATA}
  --rounds <n>        at most this many rounds, 1 to 10000 (default 50)
  --quiet             no progress lines`,
  sale: `Usage: tegata-terminal sale --amount <minor units> --currency <ISO 4217 numeric> [--token <code | ->] [--data <dir>] [--timeout <s>]

Starts a sale and prints the decision as one JSON line (the payment code shortened).
  --amount <n>        in minor units: 1200 is ¥1,200 (a whole number from 1)
  --currency <n>      ISO 4217 numeric: 392 is JPY
  --token <code>      the payment code, as if scanned (e.g. from \`tegata-wallet token\`); - reads it
                      from standard input. Without it, waits for one scan from the configured scanner.
                      Through a running serve when there is one (online first); without one the
                      register decides offline and the sale syncs when serve runs again.
${DATA}
  --timeout <s>       how long to wait for a scan, 1 to 86400 (default 60)`,
  history: `Usage: tegata-terminal history [--data <dir>] [--day <YYYY-MM-DD> | --all] [--json]

Today's sales (local time), newest first: time, amount, decision and reason, sync and settlement state.
Reads only: creates nothing.
${DATA}
  --day <YYYY-MM-DD>  that day's sales instead (local time), e.g. yesterday's at the end of a shift
  --all               every record, not only today's
  --json              {"since": <ms>, "until": <ms>, "records": [...]} (codes shortened)`,
  enroll: `Usage: tegata-terminal enroll --backend <url> --code <code> [--fingerprint <fp>] [--data <dir>] [--name <name>]

Enrolls this register with a backend. The root key is pinned only once its fingerprint is confirmed:
asked for in a terminal, or given with --fingerprint (required when not run in a terminal).
Arguments and the data directory are checked before the single-use code is spent.
  --backend <url>     the backend, e.g. http://127.0.0.1:8080
  --code <code>       the enrollment code from the admin console (single use)
  --fingerprint <fp>  the root key fingerprint the admin console shows
${DATA}
  --name <name>       how the admin console lists this register (default the host name)`,
  ports: `Usage: tegata-terminal ports [--json]

Lists serial ports with vendor id, product id and serial number (needs udev's udevadm on Linux).
  --json              as JSON`,
  verify: `Usage: tegata-terminal verify [--db <data dir>] --amount <n> --currency <n> <token | ->

Like tegata-token verify (see its options); with --db, this register's stateful decision (stages A–C)
with its own trust bundle, clock and memory of used codes. Records nothing.`,
  'dev-setup': `Usage: tegata-terminal dev-setup --data <dir> [--trust <bundle.json>] [--keys <keys.json>] [--terminal-id <id>]

DEVELOPMENT ONLY: makes the data directory an enrolled register with TEST-ONLY fixture keys.`,
};

/** The one line after a usage error. */
export function helpHint(command: string | undefined): string {
  return command !== undefined && command in COMMAND_HELP ? `run 'tegata-terminal ${command} --help' for its options` : `run 'tegata-terminal --help' for the commands`;
}

/** Whether the arguments ask for help (before a `--`, and not as the value of --token). */
export function asksForHelp(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return args[i - 1] !== '--token';
  }
  return false;
}

/** Options that take a number: `--amount -5` means the value -5 (parseArgs would call it ambiguous). */
const NUMERIC_OPTIONS = new Set(['--amount', '--currency', '--timeout', '--port', '--rounds']);

export function joinNegativeNumbers(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (NUMERIC_OPTIONS.has(arg) && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** node:util parseArgs' errors in one line of our own words. */
export function parseErrorLine(error: Error & { code?: unknown }): string {
  const code = String(error.code);
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) return `unexpected argument "${quoted}"`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /--[a-z-]+/.exec(error.message)?.[0];
    return option === undefined ? error.message.split('. ')[0]! : `${option} needs a value`;
  }
  return error.message.split('. ')[0]!;
}
