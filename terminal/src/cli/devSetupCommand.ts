import { parseArgs } from 'node:util';
import { devSetup } from '../node/dev/devSetup.js';
import { cliLogger, resolveDataDir, UsageError } from './cliSupport.js';
import { readJsonFile } from './cliSupport.js';

interface FixtureKeys {
  testOnly?: boolean;
  root?: { publicKey?: string };
  terminal?: { seed?: string };
}

/** The repository's TEST-ONLY fixtures (this command exists for development and QA only). */
const fixture = (path: string): string => new URL(`../../../fixtures/${path}`, import.meta.url).pathname;

export function devSetupCommand(args: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      trust: { type: 'string' },
      keys: { type: 'string' },
      'terminal-id': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`dev-setup takes no arguments, got "${positionals.join(' ')}"`);
  if (values.data === undefined) throw new UsageError('dev-setup needs --data <dir> (it never picks a directory for you)');
  const keys = readJsonFile(values.keys ?? fixture('keys/TEST-ONLY-keys.json')) as FixtureKeys;
  if (keys.testOnly !== true || keys.root?.publicKey === undefined || keys.terminal?.seed === undefined) {
    throw new UsageError('--keys must be a TEST-ONLY fixture keys file with root.publicKey and terminal.seed');
  }
  const trust = readJsonFile(values.trust ?? fixture('trust/TEST-ONLY-trust-bundle.json'));
  const dataDir = resolveDataDir(values.data);
  const result = devSetup({
    dataDir,
    terminalId: values['terminal-id'] ?? 'TEST-ONLY-terminal-1',
    terminalSeed: keys.terminal.seed,
    rootPublicKey: keys.root.publicKey,
    trustBundle: trust,
    logger: cliLogger(),
    nowMs: Date.now(),
  });
  process.stdout.write(
    `TEST-ONLY register set up in ${dataDir} (trust bundle serial ${result.serial}). ` +
      'Never use TEST-ONLY keys outside development.\n',
  );
  return 0;
}
