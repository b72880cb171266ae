import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { fromBase64url, rootFingerprint, toBase64url, verifyTrustBundle, type Ed25519 } from '@tegata/protocol';
import { RegisterClock, type TimeSources } from '../../shared/clock/registerClock.js';
import { BACKEND_URL_KEY, openCore } from '../core/openCore.js';
import type { Logger } from '../core/ports.js';
import { readIdentity, writeAckedHead, writeIdentity } from '../identity/terminalIdentity.js';
import { BackendClient } from '../sync/backendClient.js';

export interface EnrollOptions {
  dataDir: string;
  backendUrl: string;
  code: string;
  name: string;
  ed25519: Ed25519;
  logger: Logger;
  /** The register's clocks: the clock is measured against the backend with them. */
  time: TimeSources;
  /** Cryptographically secure random bytes: the terminal's signing key is made from them. */
  random: (length: number) => Uint8Array;
  /**
   * Shown the root key's fingerprint, answers whether it matches what the admin console shows:
   * true, false (not confirmed), or 'mismatch' (a fingerprint was given and it differs).
   * Nothing is pinned or written unless it says true.
   */
  confirmFingerprint(fingerprint: string): Promise<boolean | 'mismatch'>;
  timeoutMs?: number;
}

export class EnrollError extends Error {
  override name = 'EnrollError';
}

/**
 * Enrollment (DESIGN.md "Terminals"): a fresh terminal key, a single-use code, the root key
 * pinned only after the technician confirmed its fingerprint, the first trust bundle stored
 * (verified under that root), and the clock measured.
 */
export async function enrollTerminal(options: EnrollOptions): Promise<{ terminalId: string; storeId: string; fingerprint: string; trustSerial: number }> {
  // Everything that can be checked here is checked before the single-use code is spent.
  checkEnrollable(options.dataDir, options.ed25519);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const seed = options.random(32);
  if (seed.length !== 32) throw new EnrollError('the random source gave a terminal seed that is not 32 bytes');
  const publicKey = options.ed25519.publicKeyFromSeed(seed);
  const client = new BackendClient({ baseUrl: options.backendUrl, ed25519: options.ed25519, nowMs: () => options.time.wallMs() });
  const enrolled = await client.enroll({ code: options.code, publicKey: toBase64url(publicKey), name: options.name }, timeoutMs);
  const root = fromBase64url(enrolled.rootPublicKey);
  if (root?.length !== 32) throw new EnrollError('the backend sent a root key that is not 32 bytes');
  const verified = verifyTrustBundle(options.ed25519, enrolled.trust, [root]);
  if (!verified.ok) throw new EnrollError(`the trust bundle from the backend does not verify under its root key: ${verified.detail}`);
  const fingerprint = rootFingerprint(root);
  const confirmed = await options.confirmFingerprint(fingerprint);
  if (confirmed === 'mismatch') {
    throw new EnrollError(
      `the root key fingerprint ${fingerprint} does not match the one given; nothing was pinned. ` +
        'Check it against the admin console, and ask the admin for a new enrollment code.',
    );
  }
  if (!confirmed) {
    throw new EnrollError('the root key fingerprint was not confirmed; nothing was pinned. Ask the admin for a new enrollment code.');
  }

  writeIdentity(options.dataDir, { terminalId: enrolled.terminalId, seed, rootPublicKeys: [root], storeId: enrolled.storeId, testOnly: false });
  writeAckedHead(options.dataDir, { seq: 0, hash: '0'.repeat(64) });
  const opened = openCore({ dataDir: options.dataDir, logger: options.logger, backendUrl: options.backendUrl, time: options.time, random: options.random });
  try {
    opened.store.transaction(() => opened.store.putConfig(BACKEND_URL_KEY, options.backendUrl));
    const sent = options.time.wallMs();
    const serverMs = await client.time(timeoutMs);
    const received = options.time.wallMs();
    const measurement = RegisterClock.measure(sent, received, serverMs);
    opened.core.recordClockMeasurement(measurement.offsetMs, measurement.measuredAtWallMs);
    const installed = opened.core.installTrustBundle(enrolled.trust);
    if (!installed.ok) throw new EnrollError(`the first trust bundle was refused: ${installed.message}`);
    opened.core.recordAcknowledgedSync(Math.floor(received / 1000));
    return { terminalId: enrolled.terminalId, storeId: enrolled.storeId, fingerprint, trustSerial: installed.serial };
  } finally {
    opened.close();
  }
}

/**
 * Whether `dataDir` can receive a new register: a directory (or nothing yet) this process can
 * write, not holding an enrolled register already. Throws EnrollError saying what is wrong.
 */
export function checkEnrollable(dataDir: string, ed25519: Ed25519): void {
  let isDirectory: boolean | null;
  try {
    isDirectory = statSync(dataDir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new EnrollError(`cannot use ${dataDir}: ${(error as Error).message}`);
    isDirectory = null;
  }
  if (isDirectory === false) throw new EnrollError(`${dataDir} is a file, not a data directory; nothing was sent, the enrollment code is still unused`);
  if (isDirectory === null) return;
  if (readIdentity(dataDir, ed25519) !== null) {
    throw new EnrollError(`${dataDir} already holds an enrolled register; use a new data directory to enroll again (the enrollment code is still unused)`);
  }
  try {
    accessSync(dataDir, constants.W_OK);
  } catch {
    throw new EnrollError(`${dataDir} is not writable by this user; nothing was sent, the enrollment code is still unused`);
  }
}

/** A root key fingerprint as people type it: 64 hex digits, spaces and colons allowed. */
export function looksLikeFingerprint(text: string): boolean {
  return /^[0-9a-f]{64}$/i.test(text.replace(/[\s:]/g, ''));
}
