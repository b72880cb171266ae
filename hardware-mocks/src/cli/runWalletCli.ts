/**
 * `tegata-wallet`: a customer's phone for development, demos and tests, against a dev-mode
 * backend (one-time codes come from its dev outbox). Output is JSON, except `qr` without --out.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { qrPng, qrTerminal } from '../wallet/qrImages.js';
import { serveRotatingQr, type RotatingQrServer } from '../wallet/rotatingQrServer.js';
import { DEFAULT_STATE_FILE, loadWalletState, WalletStateError } from '../wallet/walletState.js';
import { WalletError, WalletSimulator, type WalletBalance, type WalletSimulatorOptions } from '../wallet/walletSimulator.js';

export interface WalletCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Settles when the process is asked to stop (serve runs until then). */
  stopped: Promise<unknown>;
  /** Tests hand in their clock, fetch and a callback to learn the serve URL. */
  simulator?: Partial<Omit<WalletSimulatorOptions, 'stateFile' | 'url'>>;
  onServing?: (server: RotatingQrServer) => void;
}

export const WALLET_USAGE = `Usage: tegata-wallet [--url <backend>] [--state <file>] <command> [options]

A simulated customer's phone (TEST-ONLY) against a backend in dev mode.
  signup --phone <+81…> --email <address> --password <password>
                       sign up; both codes are read from the dev outbox
  login [--channel sms|email] [--password <password>]
                       log in with the code sent by SMS (or e-mail: a restricted session)
  bind [--name <name>] [--without-phone]
                       bind a new device key (logs in by SMS first); a replacement is signed by
                       the phone in the state file, or with --without-phone takes an e-mail
                       code and waits 48 h before it can pay
  renew                renew the certificate (device-signed; only in its last quarter)
  balance [--json]     the wallet's balance and newest movements (JSON with --json)
  topup <amount> [--card <token>] [--answer <3-D Secure answer>]
                       top up with the test card gateway (tok_test_3ds by default)
  token [--ttl <s>]    print a TG1 payment token (the counter is saved first)
  qr [--out <file.png>] [--ttl <s>]
                       a token as a QR code: a PNG file, or printed in the terminal
  serve [--port <n>] [--host <addr>] [--period <s>]
                       a web page showing a QR code that changes every 30 s
  status               what the state file holds (no secrets)
--url defaults to TEGATA_URL, then the state file's backend, then http://127.0.0.1:8080;
--state defaults to TEGATA_WALLET_STATE or ./${DEFAULT_STATE_FILE}.
Output is JSON, except balance without --json and qr without --out.
Exit status: 0 on success, 1 when the backend refuses, 2 on a usage error.`;

class UsageError extends Error {}

const COMMANDS = ['signup', 'login', 'bind', 'renew', 'balance', 'topup', 'token', 'qr', 'serve', 'status'];

/** One command's lines of the usage (it and its continuation lines), with the common options. */
function commandHelp(command: string): string {
  const lines = WALLET_USAGE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${command} `) || line === `  ${command}`);
  const own = [lines[start]!];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    own.push(line);
  }
  const footer = lines.slice(lines.findIndex((line) => line.startsWith('--url')));
  return [`Usage: tegata-wallet [--url <backend>] [--state <file>] ${command} …`, '', ...own, ...footer].join('\n');
}

/** The one line after a usage error. */
function hint(command: string | undefined): string {
  return command === undefined ? "run 'tegata-wallet --help' for the commands" : `run 'tegata-wallet ${command} --help' for its options`;
}

const OPTIONS = {
  url: { type: 'string' },
  state: { type: 'string' },
  phone: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  channel: { type: 'string' },
  name: { type: 'string' },
  'without-phone': { type: 'boolean' },
  card: { type: 'string' },
  answer: { type: 'string' },
  ttl: { type: 'string' },
  out: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  period: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export async function runWalletCli(argv: readonly string[], io: WalletCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('. ')[0]! : String(error);
    io.stderr(`tegata-wallet: ${message}\n${hint(argv.find((arg) => COMMANDS.includes(arg)))}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (command === 'help' || (values.help === true && command === undefined)) {
    io.stdout(rest[0] !== undefined && COMMANDS.includes(rest[0]) ? commandHelp(rest[0]) : WALLET_USAGE);
    return 0;
  }
  if (values.help === true && command !== undefined && COMMANDS.includes(command)) {
    io.stdout(commandHelp(command));
    return 0;
  }
  if (command === undefined) {
    io.stderr(`tegata-wallet: a command is required\n${hint(undefined)}`);
    return 2;
  }
  const stateFile = path.resolve(io.cwd, values.state ?? io.env.TEGATA_WALLET_STATE ?? DEFAULT_STATE_FILE);
  const url = values.url ?? io.env.TEGATA_URL;
  const print = (value: unknown) => io.stdout(JSON.stringify(value, null, 2));
  try {
    // Without --url or TEGATA_URL, the backend the state file was made with (the default only for a new file).
    const wallet = new WalletSimulator({ ...io.simulator, stateFile, url: url ?? loadWalletState(stateFile)?.backendUrl ?? 'http://127.0.0.1:8080' });
    switch (command) {
      case 'signup':
        print(await wallet.signup({ phone: required('phone', values.phone), email: required('email', values.email), password: required('password', values.password) }));
        return 0;
      case 'login': {
        const channel = values.channel ?? 'sms';
        if (channel !== 'sms' && channel !== 'email') throw new UsageError('--channel is sms or email');
        print(await wallet.login({ channel, ...(values.password === undefined ? {} : { password: values.password }) }));
        return 0;
      }
      case 'bind':
        print(await wallet.bind({ ...(values.name === undefined ? {} : { name: values.name }), ...(values['without-phone'] === true ? { withoutPhone: true } : {}) }));
        return 0;
      case 'renew':
        print(await wallet.renew());
        return 0;
      case 'balance': {
        const balance = await wallet.balance();
        if (values.json === true) print(balance);
        else io.stdout(describeBalance(balance));
        return 0;
      }
      case 'topup': {
        const amount = integer('amount', rest[0], Number.NaN);
        if (Number.isNaN(amount)) throw new UsageError('topup needs an amount');
        print(await wallet.topup(amount, { ...(values.card === undefined ? {} : { card: values.card }), ...(values.answer === undefined ? {} : { answer: values.answer }) }));
        return 0;
      }
      case 'token':
        io.stdout(wallet.token({ ttl: integer('ttl', values.ttl, 30) }).token);
        return 0;
      case 'qr': {
        const { token, counter } = wallet.token({ ttl: integer('ttl', values.ttl, 30) });
        if (values.out !== undefined) {
          const file = path.resolve(io.cwd, values.out);
          writeFileSync(file, await qrPng(token));
          print({ file, counter });
        } else {
          io.stdout(await qrTerminal(token));
          io.stdout(token);
        }
        return 0;
      }
      case 'serve': {
        const server = await serveRotatingQr({
          wallet,
          host: values.host ?? '127.0.0.1',
          port: integer('port', values.port, 8090),
          periodMs: integer('period', values.period, 30) * 1000,
          ...(io.simulator?.nowMs === undefined ? {} : { nowMs: io.simulator.nowMs }),
        });
        io.stderr(`wallet page on ${server.url}`);
        io.onServing?.(server);
        await io.stopped;
        await server.close();
        return 0;
      }
      case 'status': {
        const state = wallet.state;
        print({
          backendUrl: state.backendUrl,
          accountId: state.accountId ?? null,
          phone: state.phone ?? null,
          email: state.email ?? null,
          session: state.session === undefined ? null : { scope: state.session.scope, expiresAt: state.session.expiresAt },
          device: state.device === undefined ? null : { deviceId: state.device.deviceId, name: state.device.name, ...certificateView(wallet) },
          nextCounter: state.nextCounter,
        });
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`tegata-wallet: ${error.message}\n${hint(COMMANDS.includes(command) ? command : undefined)}`);
      return 2;
    }
    if (error instanceof WalletError || error instanceof WalletStateError) {
      io.stderr(`tegata-wallet: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function certificateView(wallet: WalletSimulator) {
  const certificate = wallet.certificate;
  return { notBefore: certificate.notBefore, notAfter: certificate.notAfter, perPaymentLimit: certificate.perPaymentLimit, cumulativeLimit: certificate.cumulativeLimit };
}

function money(amount: number, currency: number): string {
  const sign = amount < 0 ? '-' : '';
  const magnitude = Math.abs(amount).toLocaleString('en-US');
  return currency === 392 ? `${sign}¥${magnitude}` : `${sign}${magnitude} (currency ${currency})`;
}

/** `balance` for a person: the balance, then the newest movements (newest first). */
export function describeBalance(balance: WalletBalance): string {
  const lines = [`Balance  ${money(balance.balance, balance.currency)}`];
  const recent = balance.transactions.slice(0, 10);
  if (recent.length === 0) lines.push('No movements yet.');
  else lines.push('Newest movements:');
  for (const movement of recent) {
    const at = new Date(movement.createdAt).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`  ${at} UTC  ${movement.kind.replace(/_/g, ' ').padEnd(16)} ${money(movement.amount, balance.currency).padStart(10)}`);
  }
  if (balance.transactions.length > recent.length) lines.push(`  … ${balance.transactions.length - recent.length} older (--json shows them)`);
  return lines.join('\n');
}
