import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { fromBase64url, toBase64url, verifyChain, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { seededRandom, startFaultProxy, type SteadyFaultMode } from '@tegata/hardware-mocks';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { runKillableChild, type ReportedSale } from '../helpers/killableChild.js';
import { BACKEND_DATABASES, startBackend } from '../helpers/backendProcess.js';
import { boundPhone } from '../helpers/syncWorld.js';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { terminalBin } from '../helpers/serveProcess.js';

/** Sales in the default run; the slow suite (`npm run test:slow`) sets TEGATA_SOAK_SALES=1000. */
const SALES = Number(process.env.TEGATA_SOAK_SALES ?? 200);
const child = fileURLToPath(new URL('./soakChild.mjs', import.meta.url));
const temp = tempDataDir('tegata-soak-');
afterAll(() => temp.remove());

type Reported = ReportedSale;

describe.each(BACKEND_DATABASES)('sync soak on %s: faults on the network and kill -9 on the register', (database) => {
  it(`${SALES} sales from several phones reach the backend exactly once`, async () => {
    const backendDir = join(temp.path, `backend-${database}`);
    const backend = await startBackend(backendDir, {}, database);
    const url = new URL(backend.url);
    const proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    try {
      const store = await backend.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Soak' });
      const code = await backend.admin<{ code: string; rootFingerprint: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
      const phones = await Promise.all([0, 1, 2, 3, 4].map(() => boundPhone(backend, 1_000_000)));
      const phonesFile = join(temp.path, `phones-${database}.json`);
      writeFileSync(phonesFile, JSON.stringify(phones.map((p) => ({ deviceSeed: toBase64url(p.deviceSeed), certificate: toBase64url(p.certificate) }))));
      const dataDir = join(temp.path, `register-${database}`);
      await promisify(execFile)(process.execPath, [terminalBin, 'enroll', '--data', dataDir, '--backend', proxy.url, '--code', code.code, '--fingerprint', code.rootFingerprint]);

      const random = seededRandom('sync soak');
      const modes: SteadyFaultMode[] = [
        { kind: 'pass' },
        { kind: 'down' },
        { kind: 'blackhole' },
        { kind: 'slow', latencyMs: 50, bytesPerSecond: 200_000 },
        { kind: 'cut_response', afterBytes: 120 },
        { kind: 'reset_request', afterBytes: 60 },
      ];
      const reported: Reported[] = [];
      let next = 0;
      let kills = 0;
      while (next < SALES) {
        proxy.setMode(random.pick(modes), { dropExisting: true });
        const end = Math.min(SALES, next + 20 + random.int(60));
        const run = await runKillableChild<Reported>(child, [dataDir, phonesFile, String(next), String(end)], random.float() < 0.7 ? random.int(60) : null);
        if (run.killed) kills++;
        const sales = run.lines;
        reported.push(...sales);
        next = (sales.at(-1)?.i ?? next - 1) + 1;
      }
      proxy.setMode({ kind: 'pass' }, { dropExisting: true });
      const drained = await runKillableChild<Record<string, unknown>>(child, [dataDir, phonesFile, 'drain'], null);
      expect(drained.lines.at(-1)).toEqual({ drained: true, pending: 0 });
      expect(kills).toBeGreaterThan(0);

      // The register: a whole, valid chain, and every reported decision in it exactly once.
      const local = new Database(join(dataDir, 'terminal.db'), { readonly: true });
      const terminalId = (JSON.parse((await import('node:fs')).readFileSync(join(dataDir, 'terminal-key.json'), 'utf8')) as { terminalId: string; seed: string });
      const records = local
        .prepare<[string], JournalRecord>(
          `SELECT id, ? AS terminalId, seq, kind, created_at AS createdAt, amount, currency, token, decision, reason, ref,
            trust_serial AS trustSerial, authorization, prev_hash AS prevHash, hash, signature FROM journal ORDER BY seq`,
        )
        .all(terminalId.terminalId);
      local.close();
      const terminalKey = nodeEd25519.publicKeyFromSeed(fromBase64url(terminalId.seed)!);
      expect(verifyChain(nodeEd25519, records, { terminalPublicKey: terminalKey })).toMatchObject({ ok: true });
      const byId = new Map(records.map((record) => [record.id, record]));
      for (const sale of reported) expect(byId.get(sale.id), `sale ${sale.i}`).toMatchObject({ decision: sale.decision, seq: sale.seq });

      // The backend: the same records, each once, and every wallet equal to its ledger.
      const stored = await backend.query<{ id: string; seq: number; hash: string }>(
        'SELECT id, seq, hash FROM journal_records WHERE terminal_id = ? ORDER BY seq',
        [terminalId.terminalId],
      );
      expect(stored.map((row) => [Number(row.seq), row.id, row.hash])).toEqual(records.map((record) => [record.seq, record.id, record.hash]));
      const approvedIds = records.filter((record) => record.decision === 'approved').map((record) => record.id);
      const settled = await backend.query<{ record_id: string; outcome: string }>('SELECT record_id, outcome FROM settlements');
      const settlement = new Map(settled.map((row) => [row.record_id, row.outcome]));
      expect(approvedIds.filter((id) => settlement.get(id) !== 'settled')).toEqual([]);
      const mismatched = await backend.query(
        `SELECT a.id, a.balance, COALESCE(SUM(e.amount), 0) AS total FROM ledger_accounts a
         LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.balance HAVING a.balance != COALESCE(SUM(e.amount), 0)`,
      );
      expect(mismatched).toEqual([]);
      // Declines only for the register's own limits while the network is bad, or a scan
      // repeated after a kill; never a bad signature, never a lost or corrupt token.
      const reasons = new Set(records.filter((record) => record.decision === 'declined').map((record) => record.reason));
      expect([...reasons].filter((reason) => !['terminal_store_full', 'over_offline_total', 'replayed'].includes(reason ?? ''))).toEqual([]);
      expect(approvedIds.length).toBeGreaterThan(SALES / 4);
    } finally {
      await proxy.close();
      await backend.stop();
    }
  }, 900_000);
});
