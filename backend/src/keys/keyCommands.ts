/**
 * `keys init`, `keys delegate` and `keys rotate`: the only code that creates or retires keys.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fromBase64url, kid, toBase64url, type Ed25519 } from '@tegata/protocol';
import type { Random } from '../runtime/random.js';
import {
  KEY_FILE_FORMAT,
  KeyFileError,
  ROOT_FILE,
  ROOT_SECRET_FILE,
  TEST_ONLY_WARNING,
  keyFileName,
  loadKeyring,
  readKeyFile,
  writeKeyFile,
  type KeyFile,
} from './keyFiles.js';
import { seedSigner } from './signer.js';
import { delegateWith } from './signWith.js';

const DAY = 86_400;

export interface KeyCommandContext {
  directory: string;
  ed: Ed25519;
  random: Random;
  nowS: number;
  /** Dev mode: files are marked testOnly. */
  dev: boolean;
}

function newKey(context: KeyCommandContext, kind: KeyFile['kind'], extra: Partial<KeyFile> = {}) {
  const seed = context.random.bytes(32);
  const publicKey = context.ed.publicKeyFromSeed(seed);
  const file: KeyFile = {
    format: KEY_FILE_FORMAT,
    kind,
    testOnly: context.dev,
    ...(context.dev ? { warning: TEST_ONLY_WARNING } : {}),
    kid: kid(publicKey),
    publicKey: toBase64url(publicKey),
    seed: toBase64url(seed),
    createdAt: context.nowS,
    ...extra,
  };
  return { seed, publicKey, file };
}

export interface InitResult {
  rootKid: string;
  rootPublicKey: string;
  files: string[];
}

/**
 * Creates the root key (public half in root.json, private half in `rootSecretFile`, by
 * default root.secret.json in the keys directory), a delegated bundle key and an issuer key.
 */
export async function initKeys(
  context: KeyCommandContext,
  options: { bundleKeyDays: number; issuerDays: number; rootSecretFile?: string },
): Promise<InitResult> {
  const rootFile = path.join(context.directory, ROOT_FILE);
  if (existsSync(rootFile)) throw new KeyFileError(`${rootFile} already exists: keys are initialised`);
  const root = newKey(context, 'root');
  const secretFile = options.rootSecretFile ?? path.join(context.directory, ROOT_SECRET_FILE);
  const files = [
    writeKeyFile(path.dirname(secretFile), path.basename(secretFile), root.file),
    writeKeyFile(context.directory, ROOT_FILE, { ...root.file, seed: undefined }),
  ];
  files.push(await delegateBundleKey(context, { rootSecretFile: secretFile, days: options.bundleKeyDays }));
  files.push(rotateIssuer(context, { days: options.issuerDays }).file);
  return { rootKid: root.file.kid, rootPublicKey: root.file.publicKey, files };
}

/**
 * A new bundle key, delegated by the root for [now − 1 h, now + days]: an hour of slack so a
 * node whose clock runs slightly behind can use it at once.
 */
export async function delegateBundleKey(
  context: KeyCommandContext,
  options: { rootSecretFile: string; days: number },
): Promise<string> {
  const rootKey = readKeyFile(options.rootSecretFile, context.ed);
  if (rootKey.kind !== 'root' || rootKey.seed === undefined) {
    throw new KeyFileError(`${options.rootSecretFile}: not a root private key file`);
  }
  const pinned = path.join(context.directory, ROOT_FILE);
  if (existsSync(pinned) && readKeyFile(pinned, context.ed).publicKey !== rootKey.publicKey) {
    throw new KeyFileError(`${options.rootSecretFile} is not the root key in ${pinned}`);
  }
  if (rootKey.testOnly && !context.dev) throw new KeyFileError(`${options.rootSecretFile} is a TEST-ONLY key (dev mode only)`);
  const notBefore = context.nowS - 3600;
  const notAfter = context.nowS + options.days * DAY;
  const bundle = newKey(context, 'bundle', { notBefore, notAfter });
  const rootSigner = seedSigner(context.ed, fromBase64url(rootKey.seed) ?? new Uint8Array(0));
  const delegation = await delegateWith(rootSigner, { bundleKey: bundle.publicKey, notBefore, notAfter });
  return writeKeyFile(context.directory, keyFileName('bundle', bundle.file.kid), { ...bundle.file, delegation });
}

/**
 * A new issuer key whose signing window starts now. Every issuer still signing is closed at
 * now; bundles keep listing it until its certificates have expired (listedIssuers).
 */
export function rotateIssuer(context: KeyCommandContext, options: { days: number }): { file: string; kid: string } {
  const existing = existsSync(path.join(context.directory, ROOT_FILE)) ? loadKeyring(context.directory, context.ed).issuers : [];
  const issuer = newKey(context, 'issuer', { notBefore: context.nowS, notAfter: context.nowS + options.days * DAY });
  const file = writeKeyFile(context.directory, keyFileName('issuer', issuer.file.kid), issuer.file);
  for (const old of existing) {
    if (old.notAfter <= context.nowS) continue;
    const content = readKeyFile(old.file, context.ed);
    writeKeyFile(path.dirname(old.file), path.basename(old.file), { ...content, notAfter: Math.max(old.notBefore, context.nowS) });
  }
  return { file, kid: issuer.file.kid };
}
