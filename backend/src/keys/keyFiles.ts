/**
 * Key files (development and small deployments): one JSON file per key in the keys directory,
 * mode 0600, directory 0700.
 *
 *   root.json             the root's public key (what terminals pin)
 *   root.secret.json      the root's private key — move it offline after `keys init`; only
 *                         `keys delegate` needs it
 *   bundle-<kid>.json     a bundle key with the root's delegation and its window
 *   issuer-<kid>.json     an issuer key with its signing window
 *
 * Files written in dev mode are marked `testOnly`; outside dev mode the backend refuses them.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromBase64url, kid, toBase64url, type Ed25519 } from '@tegata/protocol';
import { z } from 'zod';
import { seedSigner, type Signer } from './signer.js';
import { testOnlyKeyName } from './testOnlyKeys.js';

export const KEY_FILE_FORMAT = 'tegata-key/1';
export const ROOT_FILE = 'root.json';
export const ROOT_SECRET_FILE = 'root.secret.json';

export const TEST_ONLY_WARNING =
  'TEST-ONLY key written in dev mode. The backend refuses it outside dev mode; never use it in production.';

const base64url32 = z
  .string()
  .refine((text) => fromBase64url(text)?.length === 32, 'must be base64url of 32 bytes');

const keyFileSchema = z.object({
  format: z.literal(KEY_FILE_FORMAT),
  kind: z.enum(['root', 'bundle', 'issuer']),
  testOnly: z.boolean(),
  warning: z.string().optional(),
  kid: z.string().regex(/^[0-9a-f]{8}$/),
  publicKey: base64url32,
  /** The private key (RFC 8032 seed); absent from root.json. */
  seed: base64url32.optional(),
  createdAt: z.number().int().nonnegative(),
  /** Bundle: the delegation window. Issuer: the signing window. */
  notBefore: z.number().int().nonnegative().optional(),
  notAfter: z.number().int().nonnegative().optional(),
  delegation: z.object({ payload: z.string(), signature: z.string() }).optional(),
});

export type KeyFile = z.infer<typeof keyFileSchema>;

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export interface WindowedKey {
  readonly signer: Signer;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly testOnly: boolean;
  readonly file: string;
}

export interface BundleKey extends WindowedKey {
  readonly delegation: { payload: string; signature: string };
}

/** Everything the server signs with, as found in the keys directory. */
export interface Keyring {
  readonly directory: string;
  readonly root: { readonly publicKey: Uint8Array; readonly kid: string; readonly testOnly: boolean };
  readonly bundleKeys: readonly BundleKey[];
  readonly issuers: readonly WindowedKey[];
}

export function readKeyFile(file: string, ed: Ed25519): KeyFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KeyFileError(`${file}: cannot be read as JSON (${(error as Error).message})`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyFileError(`${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is not a key file'}`);
  }
  const key = parsed.data;
  const publicKey = fromBase64url(key.publicKey) ?? new Uint8Array(0);
  if (kid(publicKey) !== key.kid) throw new KeyFileError(`${file}: kid is not kid(publicKey)`);
  if (key.seed !== undefined) {
    const derived = ed.publicKeyFromSeed(fromBase64url(key.seed) ?? new Uint8Array(0));
    if (toBase64url(derived) !== key.publicKey) throw new KeyFileError(`${file}: the seed does not match the public key`);
  }
  return key;
}

export function writeKeyFile(directory: string, name: string, key: KeyFile): string {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, name);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}

export function keyFileName(kind: 'bundle' | 'issuer', keyKid: string): string {
  return `${kind}-${keyKid}.json`;
}

/** Reads the keys directory. Throws KeyFileError when root.json is missing or a file is bad. */
export function loadKeyring(directory: string, ed: Ed25519): Keyring {
  const rootFile = path.join(directory, ROOT_FILE);
  if (!existsSync(rootFile)) {
    throw new KeyFileError(`${rootFile} does not exist: create keys with \`tegata-backend keys init\``);
  }
  const root = readKeyFile(rootFile, ed);
  if (root.kind !== 'root') throw new KeyFileError(`${rootFile}: kind must be root`);
  const bundleKeys: BundleKey[] = [];
  const issuers: WindowedKey[] = [];
  for (const name of readdirSync(directory).sort()) {
    const kind = /^(bundle|issuer)-[0-9a-f]{8}\.json$/.exec(name)?.[1];
    if (kind === undefined) continue;
    const file = path.join(directory, name);
    const key = readKeyFile(file, ed);
    if (key.kind !== kind) throw new KeyFileError(`${file}: kind must be ${kind}`);
    if (key.seed === undefined || key.notBefore === undefined || key.notAfter === undefined) {
      throw new KeyFileError(`${file}: seed, notBefore and notAfter are required`);
    }
    const signer = seedSigner(ed, fromBase64url(key.seed) ?? new Uint8Array(0));
    const windowed = { signer, notBefore: key.notBefore, notAfter: key.notAfter, testOnly: key.testOnly, file };
    if (kind === 'issuer') {
      issuers.push(windowed);
    } else {
      if (key.delegation === undefined) throw new KeyFileError(`${file}: a bundle key needs its delegation`);
      bundleKeys.push({ ...windowed, delegation: key.delegation });
    }
  }
  return {
    directory,
    root: { publicKey: fromBase64url(root.publicKey) ?? new Uint8Array(0), kid: root.kid, testOnly: root.testOnly },
    bundleKeys,
    issuers,
  };
}

/**
 * Outside dev mode: refuse files written in dev mode and the TEST-ONLY fixture keys (anyone
 * can recompute their private keys). Returns the problems; empty means acceptable.
 */
export function testOnlyProblems(keyring: Keyring): string[] {
  const problems: string[] = [];
  const check = (what: string, publicKey: Uint8Array, testOnly: boolean): void => {
    if (testOnly) problems.push(`${what} is marked testOnly (written in dev mode)`);
    const fixture = testOnlyKeyName(toBase64url(publicKey));
    if (fixture !== undefined) problems.push(`${what} is the TEST-ONLY fixture key "${fixture}"`);
  };
  check(path.join(keyring.directory, ROOT_FILE), keyring.root.publicKey, keyring.root.testOnly);
  for (const key of [...keyring.bundleKeys, ...keyring.issuers]) check(key.file, key.signer.publicKey, key.testOnly);
  return problems;
}

/** The bundle key to sign with at `nowS`: its window contains now; the longest-lived wins. */
export function activeBundleKey(keyring: Keyring, nowS: number): BundleKey | undefined {
  return keyring.bundleKeys
    .filter((key) => key.notBefore <= nowS && nowS <= key.notAfter)
    .sort((a, b) => b.notAfter - a.notAfter)[0];
}

/**
 * The issuer that signs new certificates at `nowS`: its window is open (notBefore ≤ now <
 * notAfter; a rotated-out key's window was closed at the rotation); the newest wins.
 */
export function activeIssuer(keyring: Keyring, nowS: number): WindowedKey | undefined {
  return keyring.issuers
    .filter((key) => key.notBefore <= nowS && nowS < key.notAfter)
    .sort((a, b) => b.notBefore - a.notBefore)[0];
}

/**
 * Issuers a bundle lists at `nowS`: every key whose certificates may still be valid, i.e.
 * until the end of its signing window + the longest certificate lifetime + skew.
 */
export function listedIssuers(keyring: Keyring, nowS: number, certificateLifetime: number, skew: number): WindowedKey[] {
  return keyring.issuers
    .filter((key) => key.notAfter + certificateLifetime + skew >= nowS)
    .sort((a, b) => a.notBefore - b.notBefore || a.signer.kid.localeCompare(b.signer.kid));
}
