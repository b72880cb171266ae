import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { sameFingerprint } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { systemRandom, systemTime } from '../node/core/systemSources.js';
import { checkEnrollable, enrollTerminal, looksLikeFingerprint } from '../node/enroll/enrollTerminal.js';
import { cliLogger, resolveDataDir, UsageError } from './cliSupport.js';

export async function enrollCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      backend: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      fingerprint: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError('enroll takes no arguments');
  if (values.backend === undefined || values.code === undefined) throw new UsageError('enroll needs --backend <url> and --code <enrollment code>');
  let backend: URL;
  try {
    backend = new URL(values.backend);
  } catch {
    throw new UsageError(`--backend is not a URL: "${values.backend}"`);
  }
  if (backend.protocol !== 'http:' && backend.protocol !== 'https:') throw new UsageError(`--backend must be an http(s) URL, got "${values.backend}"`);
  if (values.code.trim() === '' || values.code.length > 64) throw new UsageError('--code must be the enrollment code from the admin console');
  if (values.name?.trim() === '') throw new UsageError('--name must not be empty');
  const expected = values.fingerprint;
  // Checked before the single-use code is spent: how the fingerprint will be confirmed, the data directory.
  if (expected !== undefined && !looksLikeFingerprint(expected)) {
    throw new UsageError('--fingerprint must be the 64 hex digits the admin console shows (spaces allowed); nothing was sent, the code is still unused');
  }
  if (expected === undefined && process.stdin.isTTY !== true) {
    throw new UsageError('not a terminal, so the fingerprint cannot be confirmed by hand: pass --fingerprint "<as shown in the admin console>" (the code is still unused)');
  }
  const dataDir = resolveDataDir(values.data);
  checkEnrollable(dataDir, nodeEd25519);
  const result = await enrollTerminal({
    dataDir,
    backendUrl: backend.toString(),
    code: values.code,
    name: values.name ?? hostname(),
    ed25519: nodeEd25519,
    logger: cliLogger(),
    time: systemTime,
    random: systemRandom,
    async confirmFingerprint(fingerprint) {
      process.stdout.write(`Root key fingerprint: ${fingerprint}\n`);
      if (expected !== undefined) return sameFingerprint(fingerprint, expected) || 'mismatch';
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await prompt.question('Does the admin console show exactly this fingerprint? [y/N] ');
      prompt.close();
      return /^y(es)?$/i.test(answer.trim());
    },
  });
  process.stdout.write(`Enrolled as terminal ${result.terminalId} of store ${result.storeId}; trust bundle serial ${result.trustSerial}.\n`);
  return 0;
}
