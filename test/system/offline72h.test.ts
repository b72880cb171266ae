/**
 * System test across the backend and a register in one process with one injected clock, so
 * 72 hours pass in seconds: approvals stop at the policy limits with the right reasons, and
 * everything syncs when the backend returns.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, startFaultProxy, testStartMs } from '@tegata/hardware-mocks';
import { createBackend } from '../../backend/src/backend.js';
import { DEFAULT_CONFIG } from '../../backend/src/config/config.js';
import { enrollTerminal } from '../../terminal/src/node/enroll/enrollTerminal.js';
import { openCore } from '../../terminal/src/node/core/openCore.js';

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'tegata-72h-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the backend is down for 72 hours', () => {
  it('stops approvals at the policy limits with the right reasons, then syncs everything', async () => {
    let now = testStartMs();
    const start = now;
    const clock = { nowMs: () => now };
    const adminToken = `TEST-ONLY-${randomBytes(8).toString('hex')}`;
    const backend = await createBackend({
      config: {
        ...DEFAULT_CONFIG,
        dev: true,
        port: 0,
        dataDir: join(dir, 'backend'),
        adminToken,
        logLevel: 'silent',
        // Long-lived trust and certificates, a clock that stays trusted: only the offline
        // and storage limits are in play.
        policy: { ...DEFAULT_CONFIG.policy, maxClockAgeSeconds: 5 * 24 * 3600 },
        trust: { ...DEFAULT_CONFIG.trust, lifetimeSeconds: 10 * 24 * 3600 },
        keys: { ...DEFAULT_CONFIG.keys, certificateLifetimeSeconds: 10 * 24 * 3600 },
      },
      clock,
    });
    const url = await backend.listen();
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: Number(new URL(url).port) } });
    const admin = async <T>(path: string, body?: object): Promise<T> => {
      const response = await fetch(new URL(path, url), {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    try {
      const store = await admin<{ id: string }>('/v1/admin/stores', { name: '72h' });
      const code = await admin<{ code: string }>(`/v1/admin/stores/${store.id}/enrollment-codes`);
      const account = await admin<{ accountId: string }>('/v1/dev/accounts');
      await admin(`/v1/admin/accounts/${account.accountId}/credit`, { amount: 1_000_000 });
      const deviceSeed = new Uint8Array(randomBytes(32));
      const bound = await admin<{ certificate: string }>(`/v1/dev/accounts/${account.accountId}/devices`, {
        publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)),
      });
      const phone = createOfflineWallet({
        ed25519: nodeEd25519,
        keys: { deviceSeed, certificate: fromBase64url(bound.certificate)! },
        now: () => Math.floor(now / 1000),
      });
      const dataDir = join(dir, 'register');
      const time = { wallMs: () => now, monotonicMs: () => now - start };
      const random = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
      await enrollTerminal({ dataDir, backendUrl: proxy.url, code: code.code, name: '72h', ed25519: nodeEd25519, logger: silent, time, random, confirmFingerprint: () => Promise.resolve(true) });

      const { core, db, sync: engine, close } = openCore({ dataDir, logger: silent, time, jitter: () => 0.5 });
      if (engine === null) throw new Error('an enrolled register has a sync engine');
      expect(await engine.syncNow()).toMatchObject({ ok: true });

      const sell = async (amount: number): Promise<{ decision: string; reason: string | null; mode: string | null }> => {
        await core.startSale({ amount, currency: 392 });
        const result = await core.submitScan({ text: phone.mint(), source: 'replay', deviceId: '72h' });
        if (!result.ok || result.value.kind !== 'decision') throw new Error(JSON.stringify(result));
        return result.value.record;
      };

      // The backend goes away. The register sells every 30 minutes of its clock for 73 hours.
      proxy.setMode({ kind: 'down' }, { dropExisting: true });
      const lastSync = now;
      now += 60_000;
      expect(await engine.syncNow()).toMatchObject({ ok: false });
      const seen: { hours: number; decision: string; reason: string | null }[] = [];
      for (let step = 1; step <= 146; step++) {
        now += step === 1 ? HOUR / 2 - 60_000 : HOUR / 2;
        const sale = await sell(100);
        seen.push({ hours: (now - lastSync) / HOUR, decision: sale.decision, reason: sale.reason });
        expect(sale.mode).toBe('offline');
      }
      expect(seen.filter((sale) => sale.hours <= 72).every((sale) => sale.decision === 'approved')).toBe(true);
      expect(seen.filter((sale) => sale.hours > 72).map((sale) => sale.reason)).toEqual(['terminal_offline_too_long', 'terminal_offline_too_long']);
      const status = await core.status();
      expect(status.ok && status.value.closedGates).toEqual(['terminal_offline_too_long']);
      expect(status.ok && status.value).toMatchObject({ online: false, offlineSince: Math.floor((lastSync + 60_000) / 1000), pending: { count: 146 } });

      // It comes back: everything reaches the backend and settles; offline approvals reopen.
      proxy.setMode({ kind: 'pass' });
      const report = await engine.syncNow();
      expect(report).toMatchObject({ ok: true, acknowledgedSeq: 146, rejected: [] });
      const back = await core.status();
      expect(back.ok && back.value).toMatchObject({ pending: { count: 0 }, closedGates: [], offlineSince: null });
      const settled = db.prepare("SELECT count(*) AS n FROM journal WHERE outcome = 'settled'").get() as { n: number };
      expect(settled.n).toBe(144);

      // The storage limit: 500 unsynced approvals at most (policy.maxStoredPayments).
      proxy.setMode({ kind: 'down' }, { dropExisting: true });
      const burst: string[] = [];
      for (let i = 0; i < 502; i++) {
        now += 1000;
        const sale = await sell(10);
        burst.push(sale.reason ?? sale.decision);
      }
      expect(burst.slice(0, 500).every((outcome) => outcome === 'approved')).toBe(true);
      expect(burst.slice(500)).toEqual(['terminal_store_full', 'terminal_store_full']);
      proxy.setMode({ kind: 'pass' });
      expect(await engine.syncNow()).toMatchObject({ ok: true, acknowledgedSeq: 648, rejected: [] });
      expect(await sell(10)).toMatchObject({ decision: 'approved', mode: 'online' });
      await engine.stop();
      close();
    } finally {
      await proxy.close();
      await backend.close();
    }
  }, 300_000);
});
