import { mkdirSync } from 'node:fs';
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
   * Shown the root key's fingerprint, answers whether it matches what the admin console shows.
   * Nothing is pinned or written unless it says yes.
   */
  confirmFingerprint(fingerprint: string): Promise<boolean>;
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
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (readIdentity(options.dataDir, options.ed25519) !== null) {
    throw new EnrollError(`${options.dataDir} already holds an enrolled register; use a new data directory to enroll again`);
  }
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
  if (!(await options.confirmFingerprint(fingerprint))) {
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
