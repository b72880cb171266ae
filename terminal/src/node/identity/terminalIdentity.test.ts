import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';
import { writeFileAtomic } from './atomicFile.js';
import {
  ACKED_HEAD_FILE,
  IDENTITY_FILE,
  IdentityError,
  readAckedHead,
  readIdentity,
  writeAckedHead,
  writeIdentity,
} from './terminalIdentity.js';

const SEED = new Uint8Array(32).fill(2);
const ROOT = nodeEd25519.publicKeyFromSeed(new Uint8Array(32).fill(1));
const ROOT_2 = nodeEd25519.publicKeyFromSeed(new Uint8Array(32).fill(3));

let dir: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  dir = tempDataDir();
});
afterEach(() => dir.remove());

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** The JSON a correct identity file holds, to break one key at a time. */
function goodIdentityJson(): Record<string, unknown> {
  return {
    terminalId: 'reg-1',
    seed: toBase64url(SEED),
    rootPublicKeys: [toBase64url(ROOT)],
    storeId: 'store-9',
    testOnly: false,
  };
}

function writeIdentityJson(value: unknown): void {
  writeFileSync(join(dir.path, IDENTITY_FILE), JSON.stringify(value));
}

function identityError(): IdentityError {
  try {
    readIdentity(dir.path, nodeEd25519);
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('readIdentity accepted the file');
}

describe('terminal identity file', () => {
  it('round-trips through write and read, deriving the public key from the seed', () => {
    writeIdentity(dir.path, { terminalId: 'reg-1', seed: SEED, rootPublicKeys: [ROOT, ROOT_2], storeId: 'store-9', testOnly: true });
    const identity = readIdentity(dir.path, nodeEd25519);
    expect(identity).toEqual({
      terminalId: 'reg-1',
      seed: SEED,
      publicKey: nodeEd25519.publicKeyFromSeed(SEED),
      rootPublicKeys: [ROOT, ROOT_2],
      storeId: 'store-9',
      testOnly: true,
    });
    expect(readFileSync(join(dir.path, IDENTITY_FILE), 'utf8')).toContain(toBase64url(SEED));
  });

  it('fills storeId and testOnly with their defaults when absent', () => {
    const { storeId: _storeId, testOnly: _testOnly, ...minimal } = goodIdentityJson();
    writeIdentityJson(minimal);
    expect(readIdentity(dir.path, nodeEd25519)).toMatchObject({ terminalId: 'reg-1', storeId: null, testOnly: false });
  });

  it('is written with mode 0600, also over an existing file that was not', () => {
    const path = join(dir.path, IDENTITY_FILE);
    writeFileSync(path, '{}', { mode: 0o644 });
    expect(modeOf(path)).toBe(0o644);
    writeIdentity(dir.path, { terminalId: 'reg-1', seed: SEED, rootPublicKeys: [ROOT], storeId: null, testOnly: false });
    expect(modeOf(path)).toBe(0o600);
  });

  it('reads as null when there is no file', () => {
    expect(readIdentity(dir.path, nodeEd25519)).toBeNull();
  });

  it('names a misspelt key (terminalID for terminalId)', () => {
    const { terminalId, ...rest } = goodIdentityJson();
    writeIdentityJson({ ...rest, terminalID: terminalId });
    const error = identityError();
    expect(error.message).toContain(IDENTITY_FILE);
    expect(error.message).toContain('terminalID');
  });

  it('names an unknown extra key', () => {
    writeIdentityJson({ ...goodIdentityJson(), storeID: 'store-9' });
    expect(identityError().message).toContain('storeID');
  });

  it('names a seed of 31 bytes', () => {
    writeIdentityJson({ ...goodIdentityJson(), seed: toBase64url(new Uint8Array(31).fill(2)) });
    expect(identityError().message).toMatch(/: seed: /);
  });

  it('names a bad terminal id and an empty root key list', () => {
    writeIdentityJson({ ...goodIdentityJson(), terminalId: 'reg 1' });
    expect(identityError().message).toMatch(/: terminalId: /);
    writeIdentityJson({ ...goodIdentityJson(), rootPublicKeys: [] });
    expect(identityError().message).toMatch(/: rootPublicKeys: /);
  });

  it('refuses a pinned root key of small order', () => {
    writeIdentityJson({ ...goodIdentityJson(), rootPublicKeys: [toBase64url(new Uint8Array(32))] });
    expect(identityError().message).toMatch(/root key/);
  });

  it('refuses a file that is not JSON', () => {
    writeFileSync(join(dir.path, IDENTITY_FILE), '{"terminalId": "reg-1",');
    expect(identityError().message).toMatch(/not readable JSON/);
  });
});

describe('acknowledged head file', () => {
  it('round-trips and is written with mode 0600', () => {
    expect(readAckedHead(dir.path)).toBeNull();
    writeAckedHead(dir.path, { seq: 0, hash: GENESIS_HASH });
    expect(readAckedHead(dir.path)).toEqual({ seq: 0, hash: GENESIS_HASH });
    writeAckedHead(dir.path, { seq: 1234, hash: 'ab'.repeat(32) });
    expect(readAckedHead(dir.path)).toEqual({ seq: 1234, hash: 'ab'.repeat(32) });
    expect(modeOf(join(dir.path, ACKED_HEAD_FILE))).toBe(0o600);
  });

  it('refuses content that is not a { seq, hash } head', () => {
    const invalid: unknown[] = [
      { seq: -1, hash: GENESIS_HASH },
      { seq: 1.5, hash: GENESIS_HASH },
      { seq: '3', hash: GENESIS_HASH },
      { seq: 3, hash: 'AB'.repeat(32) },
      { seq: 3, hash: 'ab'.repeat(31) },
      { seq: 3 },
      { seq: 3, hash: GENESIS_HASH, createdAt: 1 },
      [3, GENESIS_HASH],
      null,
    ];
    for (const value of invalid) {
      writeFileSync(join(dir.path, ACKED_HEAD_FILE), JSON.stringify(value));
      expect(() => readAckedHead(dir.path), JSON.stringify(value)).toThrow(IdentityError);
    }
    writeFileSync(join(dir.path, ACKED_HEAD_FILE), 'seq=3');
    expect(() => readAckedHead(dir.path)).toThrow(IdentityError);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content wholly and leaves no temporary file behind', () => {
    const path = join(dir.path, 'state.json');
    writeFileAtomic(path, 'x'.repeat(10_000));
    writeFileAtomic(path, 'short');
    expect(readFileSync(path, 'utf8')).toBe('short');
    expect(readdirSync(dir.path)).toEqual(['state.json']);
    expect(modeOf(path)).toBe(0o600);
  });

  it('honours another mode', () => {
    // 0400 survives any usual umask (022, 027, 077).
    const path = join(dir.path, 'read-only.json');
    writeFileAtomic(path, '{}', 0o400);
    expect(modeOf(path)).toBe(0o400);
  });

  it('leaves no temporary file behind when the rename fails', () => {
    const target = join(dir.path, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), '');
    expect(() => writeFileAtomic(target, 'secret')).toThrow();
    expect(readdirSync(dir.path)).toEqual(['occupied']);
  });

  it('still writes mode 0600 over a temporary file left by a crashed run with the same pid', () => {
    // The temporary name is `<path>.tmp-<pid>`; a restarted process (pid 1 in a container) reuses it.
    const path = join(dir.path, IDENTITY_FILE);
    writeFileSync(`${path}.tmp-${process.pid}`, 'half-written', { mode: 0o644 });
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(modeOf(path)).toBe(0o600);
  });
});
