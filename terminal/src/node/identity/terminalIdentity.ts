import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fromBase64url, isAcceptablePublicKey, toBase64url, type Ed25519 } from '@tegata/protocol';
import { writeFileAtomic } from './atomicFile.js';

/**
 * Who this register is: its terminal id, its signing key and the root key(s) it pinned at
 * enrollment. Kept in a 0600 file beside the database (Electron uses the OS keychain), never in
 * the database, so a database restored from a backup cannot roll it back.
 */
export interface TerminalIdentity {
  terminalId: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
  rootPublicKeys: Uint8Array[];
  storeId: string | null;
  /** Made from TEST-ONLY fixture keys (dev and tests only). */
  testOnly: boolean;
}

/** The last chain head the backend acknowledged (PROTOCOL.md §7), kept outside the database. */
export interface AckedHead {
  seq: number;
  hash: string;
}

export const IDENTITY_FILE = 'terminal-key.json';
export const ACKED_HEAD_FILE = 'acked-head.json';

const key32 = z.string().refine((value) => fromBase64url(value)?.length === 32, 'base64url of 32 bytes');
const identitySchema = z
  .object({
    terminalId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    seed: key32,
    rootPublicKeys: z.array(key32).min(1),
    storeId: z.string().nullable().default(null),
    testOnly: z.boolean().default(false),
  })
  .strict();
const ackedHeadSchema = z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

export class IdentityError extends Error {
  override name = 'IdentityError';
}

export function readIdentity(dataDir: string, ed: Ed25519): TerminalIdentity | null {
  const path = join(dataDir, IDENTITY_FILE);
  if (!existsSync(path)) return null;
  const parsed = identitySchema.safeParse(parseJson(path));
  if (!parsed.success) {
    // Every issue, unknown keys first: a misspelt key also shows up as the real key missing.
    const issues = [...parsed.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    throw new IdentityError(`${path}: ${issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`).join('; ')}`);
  }
  const seed = fromBase64url(parsed.data.seed)!;
  const rootPublicKeys = parsed.data.rootPublicKeys.map((k) => fromBase64url(k)!);
  if (!rootPublicKeys.every(isAcceptablePublicKey)) throw new IdentityError(`${path}: a pinned root key is not a usable Ed25519 key`);
  return {
    terminalId: parsed.data.terminalId,
    seed,
    publicKey: ed.publicKeyFromSeed(seed),
    rootPublicKeys,
    storeId: parsed.data.storeId,
    testOnly: parsed.data.testOnly,
  };
}

export function writeIdentity(dataDir: string, identity: Omit<TerminalIdentity, 'publicKey'>): void {
  writeFileAtomic(
    join(dataDir, IDENTITY_FILE),
    `${JSON.stringify(
      {
        terminalId: identity.terminalId,
        seed: toBase64url(identity.seed),
        rootPublicKeys: identity.rootPublicKeys.map(toBase64url),
        storeId: identity.storeId,
        testOnly: identity.testOnly,
      },
      null,
      2,
    )}\n`,
  );
}

export function readAckedHead(dataDir: string): AckedHead | null {
  const path = join(dataDir, ACKED_HEAD_FILE);
  if (!existsSync(path)) return null;
  const parsed = ackedHeadSchema.safeParse(parseJson(path));
  if (!parsed.success) throw new IdentityError(`${path}: not an acknowledged head ({ seq, hash })`);
  return parsed.data;
}

export function writeAckedHead(dataDir: string, head: AckedHead): void {
  writeFileAtomic(join(dataDir, ACKED_HEAD_FILE), `${JSON.stringify(head)}\n`);
}

function parseJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new IdentityError(`${path}: not readable JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
