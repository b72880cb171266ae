import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { fromBase64url, readDeviceKeysFile, verifyChain, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, createPtyPair, isSocatAvailable } from '@tegata/hardware-mocks';
import demoKeys from '../../../fixtures/keys/TEST-ONLY-device-demo.json' with { type: 'json' };
import fixtureKeys from '../../../fixtures/keys/TEST-ONLY-keys.json' with { type: 'json' };
import type { RecordView, TerminalEvent } from '../../src/shared/contracts/terminalApi.js';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { devSetupDataDir, startServe } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-e2e-serve-');
afterAll(() => temp.remove());

describe.skipIf(!isSocatAvailable())('tegata-terminal serve with a scanner on a pseudo-terminal', () => {
  it('turns a scan written to the serial line into a committed, chained record and a pushed decision', async () => {
    const dataDir = join(temp.path, 'register');
    mkdirSync(join(temp.path, 'pty'));
    devSetupDataDir(dataDir);
    const pty = await createPtyPair(join(temp.path, 'pty'));
    const serve = await startServe(dataDir);
    try {
      const configured = await serve.call('configureScanner', { id: 'till-1', kind: 'serial', path: pty.hostPath, baudRate: 9600, terminator: 'CR' });
      expect(configured).toMatchObject({ ok: true });
      await serve.waitForEvent((event) => event.type === 'scanner_status' && event.id === 'till-1' && event.status === 'connected');

      expect(await serve.call('startSale', { amount: 1500, currency: 392 })).toMatchObject({ ok: true, value: { state: 'awaiting_scan' } });
      const keys = readDeviceKeysFile(demoKeys);
      if (!keys.ok) throw new Error(keys.message);
      const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000), firstCounter: 1 });
      const token = phone.mint();
      await pty.write(`${token}\r`);

      const decision = (await serve.waitForEvent((event) => event.type === 'decision')) as Extract<TerminalEvent, { type: 'decision' }>;
      const record: RecordView = decision.record;
      expect(record).toMatchObject({ seq: 1, kind: 'payment', amount: 1500, decision: 'approved', mode: 'offline' });
      expect(record.tokenShort).toBe(`${token.slice(0, 7)}…${token.slice(-4)}`);
      expect(serve.events.find((event) => event.type === 'scan_received')).toMatchObject({ source: 'serial', deviceId: 'till-1' });

      // On disk, before anyone was told: the record is there, signed and chained.
      const db = new Database(join(dataDir, 'terminal.db'), { readonly: true });
      const rows = db
        .prepare<[], JournalRecord>(
          `SELECT id, 'TEST-ONLY-terminal-1' AS terminalId, seq, kind, created_at AS createdAt, amount, currency, token, decision,
            reason, ref, trust_serial AS trustSerial, authorization, prev_hash AS prevHash, hash, signature FROM journal ORDER BY seq`,
        )
        .all();
      db.close();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: record.id, token, decision: 'approved' });
      const terminalKey = nodeEd25519.publicKeyFromSeed(fromBase64url(fixtureKeys.terminal.seed)!);
      expect(verifyChain(nodeEd25519, rows, { terminalPublicKey: terminalKey })).toMatchObject({ ok: true });
    } finally {
      expect(await serve.stop()).toBe(0);
      await pty.close();
    }
  }, 60_000);
});
