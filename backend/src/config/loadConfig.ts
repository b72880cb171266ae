/**
 * Loading the configuration: defaults, then an optional JSON config file, then the environment,
 * then command-line flags. The merged object is validated once with the schema of config.ts;
 * every problem is reported with the name the operator wrote (an environment variable, or the
 * key in the file).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { configSchema, DEFAULT_CONFIG, type Config } from './config.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables and the config path each one sets. */
export const ENVIRONMENT: Readonly<Record<string, readonly string[]>> = {
  TEGATA_DEV: ['dev'],
  TEGATA_HOST: ['host'],
  TEGATA_PORT: ['port'],
  TEGATA_DATA_DIR: ['dataDir'],
  TEGATA_KEYS_DIR: ['keysDir'],
  DATABASE_URL: ['databaseUrl'],
  TEGATA_DB_SCHEMA: ['databaseSchema'],
  TEGATA_ADMIN_TOKEN: ['adminToken'],
  TEGATA_LOG_LEVEL: ['logLevel'],
  TEGATA_TRUST_PROXY: ['trustProxy'],
  REDIS_URL: ['redisUrl'],
  TEGATA_NOTIFY_TRANSPORT: ['notifications', 'transport'],
  TEGATA_NOTIFY_WEBHOOK_URL: ['notifications', 'webhookUrl'],
  TEGATA_NOTIFY_WEBHOOK_SECRET: ['notifications', 'webhookSecret'],
  TEGATA_NOTIFY_FILE: ['notifications', 'file'],
  TEGATA_SIM_SWAP_PROVIDER: ['simSwap', 'provider'],
  TEGATA_SIM_SWAP_URL: ['simSwap', 'url'],
  TEGATA_SIM_SWAP_TOKEN: ['simSwap', 'token'],
};

const BOOLEAN_KEYS = new Set(['dev', 'trustProxy']);
const NUMBER_KEYS = new Set(['port']);

export interface ConfigSources {
  env?: Readonly<Record<string, string | undefined>>;
  /** A JSON config file (its path); TEGATA_CONFIG names one when this is absent. */
  file?: string;
  /** Command-line flags, highest precedence: config paths (dotted) to values. */
  overrides?: Readonly<Record<string, unknown>>;
  /** Relative paths in the file and the environment resolve against this. */
  cwd?: string;
}

type Json = Record<string, unknown>;

/** Reads, merges and validates every source; throws ConfigError naming each bad key. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const merged: Json = structuredClone(DEFAULT_CONFIG);
  const origins = new Map<string, string>();
  const problems: string[] = [];

  const filePath = sources.file ?? nonEmpty(env.TEGATA_CONFIG);
  if (filePath !== undefined) {
    const fromFile = readConfigFile(path.resolve(cwd, filePath), problems);
    if (fromFile !== undefined) {
      const label = `${filePath} (config file)`;
      mergeInto(merged, fromFile, [], (key) => origins.set(key, `${label}: ${key}`));
    }
  }

  for (const [name, configPath] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || (raw === '' && name !== 'TEGATA_ADMIN_TOKEN')) continue;
    const key = configPath.join('.');
    setPath(merged, configPath, envValue(key, raw));
    origins.set(key, `${name} (environment)`);
  }

  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(merged, key.split('.'), value);
    origins.set(key, `--${flagName(key)} (command line)`);
  }

  for (const key of ['dataDir', 'keysDir']) {
    const value = merged[key];
    if (typeof value === 'string' && value !== '') merged[key] = path.resolve(cwd, value);
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, origins));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}


function readConfigFile(file: string, problems: string[]): Json | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${file} (config file): cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`${file} (config file): is not JSON (${(error as Error).message})`);
    return undefined;
  }
  if (!isObject(value)) {
    problems.push(`${file} (config file): must hold a JSON object`);
    return undefined;
  }
  return value;
}

function mergeInto(target: Json, source: Json, prefix: string[], note: (key: string) => void): void {
  for (const [key, value] of Object.entries(source)) {
    const here = [...prefix, key];
    const existing = target[key];
    if (isObject(value) && isObject(existing)) {
      mergeInto(existing, value, here, note);
    } else {
      target[key] = value;
      note(here.join('.'));
    }
  }
}

function setPath(target: Json, keys: readonly string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (isObject(next)) node = next;
    else node = node[key] = {};
  }
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = value;
}

function envValue(key: string, raw: string): unknown {
  if (key === 'trustProxy' && !['1', 'true', 'yes', '0', 'false', 'no'].includes(raw.toLowerCase())) {
    return raw.split(',').map((entry) => entry.trim());
  }
  if (BOOLEAN_KEYS.has(key)) {
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    return raw; // zod names the variable: expected boolean
  }
  if (NUMBER_KEYS.has(key)) return /^[0-9]{1,15}$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function describeIssue(issue: z.core.$ZodIssue, origins: ReadonlyMap<string, string>): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((unknown) => {
        const full = key === '' ? unknown : `${key}.${unknown}`;
        return `${origins.get(full) ?? full}: unknown configuration key`;
      })
      .join('\n  ');
  }
  const where = origins.get(key) ?? originOfParent(key, origins) ?? key;
  return `${where}: ${issue.message}`;
}

function originOfParent(key: string, origins: ReadonlyMap<string, string>): string | undefined {
  const parts = key.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const origin = origins.get(parts.slice(0, i).join('.'));
    if (origin !== undefined) return `${origin} (at ${key})`;
  }
  return undefined;
}

function flagName(key: string): string {
  return key === 'dataDir' ? 'data' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
