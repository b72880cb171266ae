/**
 * The wallet simulator's state file: what a phone keeps (its device key, certificate and next
 * counter) plus, for convenience, the simulated customer's login. TEST-ONLY: it holds a private
 * key and a password in clear, is written 0600, and says so inside.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export const WALLET_STATE_WARNING =
  'TEST-ONLY wallet simulator state: a device private key and a password in clear. For development and tests against a dev-mode backend only.';

export const DEFAULT_STATE_FILE = 'TEST-ONLY-wallet-state.json';

export interface WalletState {
  warning: string;
  testOnly: true;
  version: 1;
  backendUrl: string;
  phone?: string;
  email?: string;
  password?: string;
  accountId?: string;
  session?: { token: string; expiresAt: number; scope: 'full' | 'restricted' };
  device?: {
    deviceId: string;
    /** base64url of the 32-byte Ed25519 private key (seed). */
    seed: string;
    /** base64url of the 128-byte certificate. */
    certificate: string;
    name: string;
  };
  /** The counter the next token uses: persisted before a token is shown, never reused. */
  nextCounter: number;
}

export function newWalletState(backendUrl: string): WalletState {
  return { warning: WALLET_STATE_WARNING, testOnly: true, version: 1, backendUrl, nextCounter: 1 };
}

export class WalletStateError extends Error {}

export function loadWalletState(file: string): WalletState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: Partial<WalletState>;
  try {
    value = JSON.parse(text) as Partial<WalletState>;
  } catch {
    throw new WalletStateError(`${file} is not a TEST-ONLY wallet state file (not JSON)`);
  }
  if (value.testOnly !== true || value.version !== 1 || typeof value.backendUrl !== 'string' || !Number.isSafeInteger(value.nextCounter)) {
    throw new WalletStateError(`${file} is not a TEST-ONLY wallet state file`);
  }
  return value as WalletState;
}

/** Written to a temporary file, flushed, then renamed: a crash never leaves half a state (or a reused counter). */
export function saveWalletState(file: string, state: WalletState): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ ...state, warning: WALLET_STATE_WARNING, testOnly: true }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** How long a waiter waits for the lock before giving up, and when a held lock counts as abandoned. */
export interface WalletLockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  nonce: string;
  at: number;
}

/**
 * Runs `fn` holding `<file>.lock`, a lock across processes: the lock file is created with
 * O_CREAT|O_EXCL (only one process can), names its owner, and is removed after. A lock whose
 * owner process is gone, or that is older than `staleMs` (holders keep it for milliseconds), is
 * abandoned and broken. Synchronous, because minting a token is.
 */
export function withWalletStateLock<T>(file: string, fn: () => T, options: WalletLockOptions = {}): T {
  const lockFile = `${file}.lock`;
  const owner: LockOwner = { pid: process.pid, nonce: randomBytes(8).toString('hex'), at: Date.now() };
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 10_000;
  for (let attempt = 0; ; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLockOwner(lockFile);
      if (holder !== null && isAbandoned(lockFile, holder, staleMs)) {
        breakLock(lockFile, holder);
        continue;
      }
      if (Date.now() > deadline) {
        throw new WalletStateError(`${file} is locked by process ${holder?.pid ?? '?'}; if no tegata-wallet is running, remove ${lockFile}`);
      }
      sleepSync(Math.min(50, 1 + attempt));
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner));
    } finally {
      closeSync(fd);
    }
    try {
      return fn();
    } finally {
      if (readLockOwner(lockFile)?.nonce === owner.nonce) rmSync(lockFile, { force: true });
    }
  }
}

/**
 * Reads the newest state under the lock, lets `mutate` change it, and saves it before the lock
 * is released: every process sees every other's changes, and a counter is never handed out twice.
 */
export function updateWalletState<T>(file: string, initial: () => WalletState, mutate: (state: WalletState) => T, options?: WalletLockOptions): { state: WalletState; result: T } {
  return withWalletStateLock(
    file,
    () => {
      const state = loadWalletState(file) ?? initial();
      const result = mutate(state);
      saveWalletState(file, state);
      return { state, result };
    },
    options,
  );
}

function readLockOwner(lockFile: string): LockOwner | null {
  try {
    const value = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.nonce === 'string' && typeof value.at === 'number' ? (value as LockOwner) : { pid: 0, nonce: '', at: 0 };
  } catch (error) {
    // Gone already (released), or created and not written yet (the owner is between two calls).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof SyntaxError) return lockAge(lockFile) > 1000 ? { pid: 0, nonce: '', at: 0 } : null;
    throw error;
  }
}

function lockAge(lockFile: string): number {
  try {
    return Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return 0;
  }
}

function isAbandoned(lockFile: string, holder: LockOwner, staleMs: number): boolean {
  if (holder.pid === 0) return true;
  if (lockAge(lockFile) > staleMs) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes an abandoned lock, unless another process broke it and took the lock meanwhile. */
function breakLock(lockFile: string, holder: LockOwner): void {
  const aside = `${lockFile}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readLockOwner(aside);
  if (moved !== null && moved.nonce !== holder.nonce && moved.pid !== 0) {
    // We moved a live owner's fresh lock: put it back (it is the lock again unless someone raced in).
    try {
      linkSync(aside, lockFile);
    } catch {
      // Someone else holds it now; the moved owner will find its lock gone and not remove theirs.
    }
    rmSync(aside, { force: true });
    return;
  }
  rmSync(aside, { force: true });
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
