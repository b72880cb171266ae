import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { decodeTokenText, fromBase64url, parseToken, verifyChain, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { seededRandom } from '@tegata/hardware-mocks';
import fixtureKeys from '../../../fixtures/keys/TEST-ONLY-keys.json' with { type: 'json' };
import { tempDataDir } from '../helpers/tempDataDir.js';
import { runKillableChild, type ReportedSale } from '../helpers/killableChild.js';
import { devSetupDataDir } from '../helpers/serveProcess.js';

/** Kills in the default run; the slow suite (`npm run test:slow`) sets TEGATA_CRASH_KILLS=200. */
const KILLS = Number(process.env.TEGATA_CRASH_KILLS ?? 25);
const child = fileURLToPath(new URL('./crashChild.mjs', import.meta.url));
const temp = tempDataDir('tegata-crash-');
afterAll(() => temp.remove());

type Reported = ReportedSale;

describe('kill -9 at random points', () => {
  it(`loses and duplicates nothing across ${KILLS} kills`, async () => {
    const dataDir = join(temp.path, 'register');
    devSetupDataDir(dataDir, { maxStoredPayments: 1_000_000, maxStoredAmount: 1_000_000_000 });
    // Seeded, so a failing run can be replayed with the same kill points.
    const random = seededRandom(0x7e6a7a);
    const reported: Reported[] = [];
    let next = 1;
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const run = await runKillableChild<Reported>(child, [dataDir, String(next), '1000'], random.int(40));
      if (run.killed) kills++;
      reported.push(...run.lines);
      // Resume at the last reported index: a sale committed but not reported is scanned again
      // with the same counter, so the register must say `replayed`, not approve it twice.
      next = (run.lines.at(-1)?.i ?? next - 1) + 1;
    }
    const final = await runKillableChild<Reported>(child, [dataDir, String(next), '20'], null);
    reported.push(...final.lines);
    expect(kills).toBeGreaterThanOrEqual(Math.floor(KILLS * 0.8));

    const db = new Database(join(dataDir, 'terminal.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const records = db
        .prepare<[], JournalRecord>(
          `SELECT id, 'TEST-ONLY-terminal-1' AS terminalId, seq, kind, created_at AS createdAt, amount, currency, token, decision,
            reason, ref, trust_serial AS trustSerial, authorization, prev_hash AS prevHash, hash, signature FROM journal ORDER BY seq`,
        )
        .all();
      const terminalKey = nodeEd25519.publicKeyFromSeed(fromBase64url(fixtureKeys.terminal.seed)!);
      expect(verifyChain(nodeEd25519, records, { terminalPublicKey: terminalKey })).toMatchObject({ ok: true });

      // Every reported decision is on disk exactly once, as reported.
      const byId = new Map(records.map((record) => [record.id, record]));
      for (const sale of reported) {
        expect(byId.get(sale.id), `reported sale ${sale.i}`).toMatchObject({ seq: sale.seq, decision: sale.decision, reason: sale.reason });
      }
      expect(new Set(reported.map((sale) => sale.id)).size).toBe(reported.length);

      // No (device, counter) approved twice, read from the signed tokens themselves.
      const approved = records.filter((record) => record.decision === 'approved' && record.kind === 'payment');
      const spent = approved.map((record) => {
        const decoded = decodeTokenText(record.token!);
        if (!decoded.ok) throw new Error('journal holds an undecodable token');
        const token = parseToken(decoded.bytes);
        return `${token.certificate.deviceId}:${token.counter}`;
      });
      expect(new Set(spent).size).toBe(spent.length);
      // The test did real work: most sales were approved, and some were replayed after a kill.
      expect(approved.length).toBeGreaterThan(KILLS);
      expect(records.length).toBeGreaterThanOrEqual(reported.length);
    } finally {
      db.close();
    }
  }, 600_000);
});
