import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTokenCli, type CliIo } from '../src/cli/tokenCli.js';
import { decodeTokenText, parseToken } from '../src/index.js';
import { repoRoot, tokenVectors } from './fixtureFiles.js';

const run = promisify(execFile);
const bin = join(repoRoot, 'protocol/bin/tegata-token.mjs');
const bundlePath = join(repoRoot, 'fixtures/trust/TEST-ONLY-trust-bundle.json');
const alicePath = join(repoRoot, 'fixtures/keys/TEST-ONLY-device-alice.json');
const rootKey = tokenVectors.rootPublicKey;
const NOW = tokenVectors.fixtureNow;

function verifyArgs(vector: (typeof tokenVectors.vectors)[number]): string[] {
  const args = ['verify', '--trust', bundlePath, '--root-key', rootKey, '--now', String(vector.now)];
  if (vector.amount !== null) args.push('--amount', String(vector.amount));
  if (vector.currency !== null) args.push('--currency', String(vector.currency));
  return args;
}

async function inProcess(argv: string[], stdin = ''): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    readStdin: () => Promise.resolve(stdin),
    readFile: (path) => readFileSync(path, 'utf8'),
    nowSeconds: () => NOW,
  };
  const code = await runTokenCli(argv, io);
  return { code, out, err };
}

describe('tegata-token verify through the real binary', () => {
  it('gives every vector its expected result', async () => {
    const pending = [...tokenVectors.vectors];
    const failures: string[] = [];
    async function worker(): Promise<void> {
      for (let vector = pending.shift(); vector !== undefined; vector = pending.shift()) {
        const { stdout } = await run(process.execPath, [bin, ...verifyArgs(vector), vector.token]);
        const lines = stdout.trim().split('\n');
        if (lines.length !== 1) failures.push(`${vector.name}: ${lines.length} lines`);
        try {
          expect(JSON.parse(lines[0]!)).toEqual(vector.expected);
        } catch (error) {
          failures.push(`${vector.name}: ${String(error)}`);
        }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures).toEqual([]);
  }, 120_000);

  it('reads the token from standard input with -', async () => {
    const vector = tokenVectors.vectors.find((v) => v.name === 'valid_basic')!;
    const child = run(process.execPath, [bin, ...verifyArgs(vector), '-']);
    child.child.stdin?.end(`${vector.token}\n`);
    const { stdout } = await child;
    expect(JSON.parse(stdout)).toEqual(vector.expected);
  });

  it('exits 2 on a usage error', async () => {
    await expect(run(process.execPath, [bin, 'verify', 'TG1'])).rejects.toMatchObject({ code: 2 });
  });
});

describe('tegata-token verify', () => {
  const valid = tokenVectors.vectors.find((v) => v.name === 'valid_basic')!;

  it('prints bad_trust_bundle when the bundle does not verify under --root-key', async () => {
    const otherRoot = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const result = await inProcess(['verify', '--trust', bundlePath, '--root-key', otherRoot, valid.token]);
    expect(result.code).toBe(0);
    expect(result.out).toEqual(['{"ok":false,"reason":"bad_trust_bundle"}']);
  });

  it('uses the bundle as given without --root-key, and warns', async () => {
    const result = await inProcess(['verify', '--trust', bundlePath, '--amount', '1200', '--currency', '392', valid.token]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out[0]!)).toEqual(valid.expected);
    expect(result.err.join('\n')).toMatch(/NOT checked/);
  });

  it('defaults --now to the current time', async () => {
    // The in-process clock is the fixture's now, so the fixture token is valid.
    const result = await inProcess(['verify', '--trust', bundlePath, '--root-key', rootKey, valid.token]);
    expect(JSON.parse(result.out[0]!)).toMatchObject({ ok: true });
  });

  it.each([
    [['verify', valid.token], /--trust/],
    [['verify', '--trust', bundlePath], /exactly one token/],
    [['verify', '--trust', bundlePath, '--now', 'yesterday', valid.token], /--now must be/],
    [['verify', '--trust', bundlePath, '--amount=-5', valid.token], /--amount must be a non-negative/],
    [['verify', '--trust', bundlePath, '--amount', '1.5', valid.token], /--amount/],
    [['verify', '--trust', bundlePath, '--root-key', 'short', valid.token], /--root-key/],
    [['verify', '--trust', '/nonexistent/bundle.json', valid.token], /cannot read .*ENOENT/],
    [['verify', '--trust', bundlePath, '--colour', valid.token], /Unknown option/],
    [['launch'], /unknown command "launch"/],
    [[], /a command is required/],
  ])('exits 2 with a message for %j', async (argv, message) => {
    const result = await inProcess(argv);
    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(result.err.join('\n')).toMatch(message);
  });
});

describe('tegata-token inspect', () => {
  it('prints the fields labelled unverified', async () => {
    const vector = tokenVectors.vectors.find((v) => v.name === 'bad_token_signature_bitflip')!;
    const result = await inProcess(['inspect', vector.token]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out.join('\n')) as Record<string, unknown>;
    expect(printed).toMatchObject({ unverified: true, decoded: true, counter: 7, ttl: 30, canonical: true });
    expect(printed.certificate).toMatchObject({ deviceId: '62dd2abc815157a5', currency: 392 });
    expect(result.err.join('\n')).toMatch(/UNVERIFIED/);
  });

  it('says why a text does not decode, with exit 1', async () => {
    const result = await inProcess(['inspect', '-'], 'TG2AAAA');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out.join('\n'))).toEqual({ unverified: true, decoded: false, reason: 'unsupported_version' });
  });
});

describe('tegata-token mint', () => {
  it('mints a token from TEST-ONLY keys that verifies, with the options given', async () => {
    const minted = await inProcess(['mint', '--keys', alicePath, '--counter', '99', '--issued-at', String(NOW - 5), '--ttl', '20']);
    expect(minted.code).toBe(0);
    const decoded = decodeTokenText(minted.out[0]!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const token = parseToken(decoded.bytes);
    expect([token.counter, token.issuedAt, token.ttl]).toEqual([99, NOW - 5, 20]);
    const verified = await inProcess(['verify', '--trust', bundlePath, '--root-key', rootKey, minted.out[0]!]);
    expect(JSON.parse(verified.out[0]!)).toMatchObject({ ok: true, counter: 99 });
  });

  it('defaults to now and a counter that grows with time', async () => {
    const minted = await inProcess(['mint', '--keys', alicePath]);
    const decoded = decodeTokenText(minted.out[0]!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const token = parseToken(decoded.bytes);
    expect(token.issuedAt).toBe(NOW);
    expect(token.counter).toBe(NOW - token.certificate.notBefore);
  });

  it('refuses a file that is not a TEST-ONLY device keys file', async () => {
    const result = await inProcess(['mint', '--keys', bundlePath]);
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toMatch(/not a TEST-ONLY device keys file/);
  });
});

describe('tegata-token help and usage errors', () => {
  it.each(['verify', 'inspect', 'mint'])("%s --help prints that command's help, exit 0", async (command) => {
    for (const flag of ['--help', '-h']) {
      const result = await inProcess([command, flag]);
      expect(result.code).toBe(0);
      expect(result.out.join('\n')).toMatch(new RegExp(`^Usage: tegata-token ${command} `));
      expect(result.out.join('\n')).not.toMatch(new RegExp(`\n {2}(?!${command})(verify|inspect|mint) `));
      expect(result.err).toEqual([]);
    }
  });

  it('a usage error is one line and a hint, not the whole usage', async () => {
    const result = await inProcess(['mint', '--colour']);
    expect(result.code).toBe(2);
    expect(result.err).toEqual(["tegata-token: Unknown option '--colour'\nrun 'tegata-token mint --help' for its options"]);
    expect((await inProcess(['launch'])).err).toEqual(['tegata-token: unknown command "launch"\nrun \'tegata-token --help\' for the commands']);
  });
});
