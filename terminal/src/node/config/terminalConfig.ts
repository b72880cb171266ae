import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { scannerConfigSchema } from '../../shared/contracts/terminalApi.js';

/**
 * The register's configuration file (JSON). Every key is documented here; unknown keys are
 * errors, so a typo never silently falls back to a default.
 */
export const terminalConfigSchema = z
  .object({
    /** Where the database and key files live. */
    dataDir: z.string().min(1).optional(),
    /** Loopback port for `serve` (0: any free port). */
    port: z.number().int().min(0).max(65535).default(0),
    /** The built renderer to serve; defaults to the package's own build. */
    staticDir: z.string().min(1).optional(),
    /** pino level. */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Identical reads within this window are one read (a camera sees a code many times). */
    duplicateWindowMs: z.number().int().min(0).max(60_000).default(1500),
    /** Scanners to configure at start (they are stored in the database like API changes). */
    scanners: z.array(scannerConfigSchema).default([]),
  })
  .strict();

export type TerminalConfig = z.output<typeof terminalConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates a config file; messages name the file, the key and what is wrong. */
export function loadTerminalConfig(path: string | undefined): TerminalConfig {
  if (path === undefined) return terminalConfigSchema.parse({});
  if (!existsSync(path)) throw new ConfigError(`${path}: no such config file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseTerminalConfig(json, path);
}

export function parseTerminalConfig(json: unknown, source = 'config'): TerminalConfig {
  const parsed = terminalConfigSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => {
          const where = [...issue.path, key].join('.');
          const hint = suggest(key, knownKeys(issue.path));
          return `${where}: unknown key${hint === null ? '' : ` (did you mean "${hint}"?)`}`;
        })
        .join('; ');
    }
    return `${issue.path.join('.') || '(top level)'}: ${issue.message}`;
  });
  throw new ConfigError(`${source}: ${messages.join('; ')}`);
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(terminalConfigSchema.shape);
  if (path[0] === 'scanners') return Object.keys(scannerConfigSchema.shape);
  return [];
}

/** The closest known key within edit distance 2, for "did you mean". */
function suggest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
