import { mkdirSync } from 'node:fs';
import { fromBase64url } from '@tegata/protocol';
import { openCore } from '../core/openCore.js';
import type { Logger } from '../core/terminalCore.js';
import { writeIdentity } from '../identity/terminalIdentity.js';

export interface DevSetupOptions {
  dataDir: string;
  terminalId: string;
  /** base64url seed of a TEST-ONLY terminal key. */
  terminalSeed: string;
  /** base64url TEST-ONLY root public key to pin. */
  rootPublicKey: string;
  trustBundle: unknown;
  logger: Logger;
  nowMs: number;
}

/**
 * Development only: makes a data directory look enrolled with TEST-ONLY keys (marked so in the
 * identity file), installs a trust bundle, and records a zero clock offset and an acknowledged
 * sync now. Real registers are enrolled against a backend instead.
 */
export function devSetup(options: DevSetupOptions): { serial: number } {
  const seed = fromBase64url(options.terminalSeed);
  const root = fromBase64url(options.rootPublicKey);
  if (seed?.length !== 32) throw new Error('the TEST-ONLY terminal seed must be base64url of 32 bytes');
  if (root?.length !== 32) throw new Error('the TEST-ONLY root key must be base64url of 32 bytes');
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  writeIdentity(options.dataDir, { terminalId: options.terminalId, seed, rootPublicKeys: [root], storeId: null, testOnly: true });
  const opened = openCore({ dataDir: options.dataDir, logger: options.logger });
  try {
    const installed = opened.core.installTrustBundle(options.trustBundle);
    if (!installed.ok) throw new Error(`the trust bundle was refused: ${installed.message}`);
    opened.core.recordClockMeasurement(0, options.nowMs);
    opened.core.recordAcknowledgedSync(Math.floor(options.nowMs / 1000));
    return { serial: installed.serial };
  } finally {
    opened.close();
  }
}
