import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createTokenVerifier,
  decodeTokenText,
  encodeTokenText,
  fromBase64url,
  parseCertificate,
  parseToken,
  readDeviceKeysFile,
  readTrustBundleUnverified,
  signToken,
  toBase64url,
  verifyTrustBundle,
  type Ed25519,
} from '../index.js';
import { nodeEd25519 } from '../node/ed25519Node.js';

/** Where the CLI reads and writes; injected so tests run it in-process. */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  readStdin: () => Promise<string>;
  readFile: (path: string) => string;
  nowSeconds: () => number;
}

export const USAGE = `Usage: tegata-token <command> [options]

  verify --trust <bundle.json> [--root-key <base64url>] [--now <unix s>]
         [--amount <minor units>] [--currency <ISO 4217 numeric>] <token text | ->
      Verifies a payment token offline (PROTOCOL.md §4 stage B) and prints one JSON line.
      Exit 0 when the verification completed (valid or not), 2 on a usage error.
  inspect <token text | ->
      Prints the token's fields WITHOUT verifying anything (for technicians and QA).
  mint --keys <TEST-ONLY device keys file> [--counter N] [--issued-at <unix s>] [--ttl <s>]
      Prints a token made from TEST-ONLY fixture keys.
  help
      Prints this text.

A token argument of "-" reads the token from standard input.`;

class UsageError extends Error {}

const COMMANDS = ['verify', 'inspect', 'mint'];

/** One command's block of USAGE (its line and the indented lines under it). */
function commandHelp(command: string): string {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${command} `));
  const own = [lines[start]!];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('   ')) break;
    own.push(line);
  }
  return [`Usage: tegata-token ${command} [options]`, '', ...own, '', lines.at(-1)!].join('\n');
}

function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

export async function runTokenCli(argv: readonly string[], io: CliIo, ed: Ed25519 = nodeEd25519): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && COMMANDS.includes(command) && asksForHelp(rest)) {
    io.stdout(commandHelp(command));
    return 0;
  }
  try {
    switch (command) {
      case 'verify':
        return await verifyCommand(rest, io, ed);
      case 'inspect':
        return await inspectCommand(rest, io);
      case 'mint':
        return mintCommand(rest, io, ed);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(rest[0] !== undefined && COMMANDS.includes(rest[0]) ? commandHelp(rest[0]) : USAGE);
        return 0;
      default:
        throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      const line = (error as Error).message.split('. ')[0]!;
      const hint = command !== undefined && COMMANDS.includes(command) ? `run 'tegata-token ${command} --help' for its options` : "run 'tegata-token --help' for the commands";
      io.stderr(`tegata-token: ${line}\n${hint}`);
      return 2;
    }
    throw error;
  }
}

async function verifyCommand(args: readonly string[], io: CliIo, ed: Ed25519): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      trust: { type: 'string' },
      'root-key': { type: 'string' },
      now: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
    },
  });
  if (values.trust === undefined) throw new UsageError('verify needs --trust <bundle.json>');
  const now = values.now === undefined ? io.nowSeconds() : integer(values.now, '--now', true);
  const amount = values.amount === undefined ? undefined : integer(values.amount, '--amount');
  const currency = values.currency === undefined ? undefined : integer(values.currency, '--currency');
  const rootKey = values['root-key'] === undefined ? undefined : fromBase64url(values['root-key']);
  if (rootKey === null || (rootKey !== undefined && rootKey.length !== 32)) {
    throw new UsageError('--root-key must be the base64url of a 32-byte public key');
  }
  const text = await tokenArgument(positionals, io);
  const bundleText = readInput(io, values.trust);

  let bundleJson: unknown;
  try {
    bundleJson = JSON.parse(bundleText) as unknown;
  } catch {
    bundleJson = undefined;
  }
  if (rootKey === undefined) {
    io.stderr('tegata-token: warning: no --root-key given; the trust bundle is used as given, its signatures NOT checked');
  }
  const bundle = rootKey === undefined ? readTrustBundleUnverified(bundleJson) : verifyTrustBundle(ed, bundleJson, [rootKey]);
  if (!bundle.ok) {
    io.stderr(`tegata-token: the trust bundle was refused: ${bundle.detail}`);
    io.stdout(JSON.stringify({ ok: false, reason: bundle.reason }));
    return 0;
  }
  const result = createTokenVerifier({ ed25519: ed }).verify({
    text,
    bundle: bundle.bundle.document,
    now,
    ...(amount === undefined ? {} : { amount }),
    ...(currency === undefined ? {} : { currency }),
  });
  io.stdout(JSON.stringify(result.ok ? { ok: true, ...result.fields } : { ok: false, reason: result.reason }));
  return 0;
}

async function inspectCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  const text = await tokenArgument(positionals, io);
  const decoded = decodeTokenText(text);
  if (!decoded.ok) {
    io.stdout(JSON.stringify({ unverified: true, decoded: false, reason: decoded.reason }, null, 2));
    return 1;
  }
  const token = parseToken(decoded.bytes);
  const cert = token.certificate;
  io.stderr('tegata-token: UNVERIFIED — these fields are shown as read; nothing here has been checked.');
  io.stdout(
    JSON.stringify(
      {
        unverified: true,
        decoded: true,
        tokenVersion: token.version,
        tokenType: token.type,
        issuedAt: token.issuedAt,
        issuedAtIso: iso(token.issuedAt),
        counter: token.counter,
        ttl: token.ttl,
        signature: toBase64url(token.signature),
        certificate: {
          version: cert.version,
          type: cert.type,
          issuerKid: cert.issuerKid,
          deviceId: cert.deviceId,
          devicePublicKey: toBase64url(cert.devicePublicKey),
          notBefore: cert.notBefore,
          notBeforeIso: iso(cert.notBefore),
          notAfter: cert.notAfter,
          notAfterIso: iso(cert.notAfter),
          currency: cert.currency,
          perPaymentLimit: cert.perPaymentLimit,
          cumulativeLimit: cert.cumulativeLimit,
          signature: toBase64url(cert.signature),
        },
        canonical: decoded.canonical === text,
      },
      null,
      2,
    ),
  );
  return 0;
}

function mintCommand(args: readonly string[], io: CliIo, ed: Ed25519): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      keys: { type: 'string' },
      counter: { type: 'string' },
      'issued-at': { type: 'string' },
      ttl: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`mint takes no arguments, got "${positionals.join(' ')}"`);
  if (values.keys === undefined) throw new UsageError('mint needs --keys <TEST-ONLY device keys file>');
  let json: unknown;
  try {
    json = JSON.parse(readInput(io, values.keys)) as unknown;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${values.keys} is not JSON`);
  }
  const keys = readDeviceKeysFile(json);
  if (!keys.ok) throw new UsageError(`${values.keys}: ${keys.message}`);
  const certificate = parseCertificate(keys.keys.certificate);
  const now = io.nowSeconds();
  const issuedAt = values['issued-at'] === undefined ? now : integer(values['issued-at'], '--issued-at', false, 0xffffffff);
  // By default one counter per second since the certificate began, so later mints count higher.
  const counter =
    values.counter === undefined ? Math.max(0, now - certificate.notBefore) : integer(values.counter, '--counter', false, 0xffffffff);
  const ttl = values.ttl === undefined ? 30 : integer(values.ttl, '--ttl', false, 0xffff);
  io.stdout(encodeTokenText(signToken(ed, keys.keys.deviceSeed, { certificate: keys.keys.certificate, issuedAt, counter, ttl })));
  return 0;
}

async function tokenArgument(positionals: readonly string[], io: CliIo): Promise<string> {
  if (positionals.length !== 1) throw new UsageError('exactly one token (or - for standard input) is required');
  const [argument] = positionals as [string];
  return argument === '-' ? io.readStdin() : argument;
}

function readInput(io: CliIo, path: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function integer(text: string, name: string, allowNegative = false, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || (!allowNegative && value < 0) || value > max) {
    throw new UsageError(`${name} must be ${allowNegative ? 'an' : 'a non-negative'} integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got "${text}"`);
  }
  return value;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

/** The real process's IO. */
export function processIo(): CliIo {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    readFile: (path) => readFileSync(path, 'utf8'),
    nowSeconds: () => Math.floor(Date.now() / 1000),
  };
}
