/**
 * The wallet simulator's state file: what a phone keeps (its device key, certificate and next
 * counter) plus, for convenience, the simulated customer's login. TEST-ONLY: it holds a private
 * key and a password in clear, is written 0600, and says so inside.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
  const value = JSON.parse(text) as Partial<WalletState>;
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
