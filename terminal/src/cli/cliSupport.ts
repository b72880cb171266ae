import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { writeFileAtomic } from '../node/identity/atomicFile.js';

export class UsageError extends Error {}

/** The data directory: --data, then the config file, then $TEGATA_TERMINAL_DATA, then ./data/terminal. */
export function resolveDataDir(flag: string | undefined, fromConfig?: string): string {
  return resolve(flag ?? fromConfig ?? process.env.TEGATA_TERMINAL_DATA ?? join('data', 'terminal'));
}

export function cliLogger(level = process.env.TEGATA_LOG_LEVEL ?? 'warn'): pino.Logger {
  return pino({ level, base: { component: 'tegata-terminal' } }, pino.destination(2));
}

/** Where a running `serve` says how to reach it (0600; the token is per launch). */
export interface ServeInfo {
  pid: number;
  port: number;
  token: string;
}

const SERVE_FILE = 'serve.json';

export function writeServeInfo(dataDir: string, info: ServeInfo): void {
  writeFileAtomic(join(dataDir, SERVE_FILE), `${JSON.stringify(info)}\n`);
}

export function removeServeInfo(dataDir: string): void {
  rmSync(join(dataDir, SERVE_FILE), { force: true });
}

/** The running `serve` for this data directory, if its process is alive. */
export function readServeInfo(dataDir: string): ServeInfo | null {
  const path = join(dataDir, SERVE_FILE);
  if (!existsSync(path)) return null;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as ServeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

export function integerOption(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** A sale's amount: a whole number of the currency's minor units (yen; cents), never 0 or negative. */
export function amountOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 0xffffffff) {
    throw new UsageError(
      `--amount must be an integer (a whole number of minor units: 1200 is ¥1,200) from 1 to ${0xffffffff}, got "${text}"`,
    );
  }
  return value;
}

/** A JSON file a command was pointed at; unreadable or not JSON is a usage error naming it. */
export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
