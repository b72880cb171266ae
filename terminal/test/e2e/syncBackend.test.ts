import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import type { HistoryPage, SyncReport, TerminalStatus } from '../../src/shared/contracts/terminalApi.js';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { startBackend, type BackendProcess } from '../helpers/backendProcess.js';
import { startServe, terminalBin } from '../helpers/serveProcess.js';

const temp = tempDataDir('tegata-sync-');
afterAll(() => temp.remove());

/** A funded customer with a phone bound at the backend (dev routes), and a store to enroll in. */
async function customerAndStore(backend: BackendProcess, balance = 50_000) {
  const store = await backend.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Shibuya 1' });
  const enrollment = await backend.admin<{ code: string; rootFingerprint: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
  const account = await backend.admin<{ accountId: string }>('POST', '/v1/dev/accounts');
  await backend.admin('POST', `/v1/admin/accounts/${account.accountId}/credit`, { amount: balance });
  const deviceSeed = new Uint8Array(randomBytes(32));
  const bound = await backend.admin<{ certificate: string }>('POST', `/v1/dev/accounts/${account.accountId}/devices`, {
    publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)),
    name: 'test phone',
  });
  const phone = createOfflineWallet({
    ed25519: nodeEd25519,
    keys: { deviceSeed, certificate: fromBase64url(bound.certificate)! },
    now: () => Math.floor(Date.now() / 1000),
  });
  return { store, enrollment, account, phone };
}

function enroll(dataDir: string, backend: BackendProcess, code: string, fingerprint: string) {
  return spawnSync(process.execPath, [terminalBin, 'enroll', '--data', dataDir, '--backend', backend.url, '--code', code, '--fingerprint', fingerprint], {
    encoding: 'utf8',
  });
}

describe('a register enrolled with a real backend', () => {
  it('enrolls, sells online first, syncs the record once and shows its settlement', async () => {
    const backend = await startBackend(join(temp.path, 'backend'));
    try {
      const { store, enrollment, phone } = await customerAndStore(backend);
      const dataDir = join(temp.path, 'register');
      const wrong = enroll(dataDir, backend, enrollment.code, '0'.repeat(64));
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/fingerprint .* does not match the one given; nothing was pinned/);

      const code2 = await backend.admin<{ code: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
      const enrolled = enroll(dataDir, backend, code2.code, enrollment.rootFingerprint);
      expect(enrolled.stderr).toBe('');
      expect(enrolled.status).toBe(0);
      expect(enrolled.stdout).toContain(enrollment.rootFingerprint);

      const serve = await startServe(dataDir);
      try {
        await serve.waitForEvent((event) => event.type === 'status_changed' && event.status.online);
        expect(await serve.call('startSale', { amount: 1200, currency: 392 })).toMatchObject({ ok: true });
        const sale = await serve.call<{ kind: string; record: { decision: string; mode: string } }>('submitScan', { text: phone.mint(), source: 'replay', deviceId: 'e2e' });
        expect(sale).toMatchObject({ ok: true, value: { kind: 'decision', record: { decision: 'approved', mode: 'online' } } });

        const report = await serve.call<SyncReport>('syncNow');
        expect(report).toMatchObject({ ok: true, value: { ok: true, acknowledgedSeq: 1, rejected: [] } });
        const status = await serve.call<TerminalStatus>('status');
        expect(status).toMatchObject({ ok: true, value: { online: true, pending: { count: 0 }, closedGates: [] } });

        // Settlement happens at the backend; its outcome comes back with a later round.
        let outcome: string | null = null;
        for (let i = 0; i < 20 && outcome === null; i++) {
          await serve.call('syncNow');
          const history = await serve.call<HistoryPage>('history', { limit: 5 });
          outcome = history.ok ? (history.value.records[0]?.outcome ?? null) : null;
          if (outcome === null) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(outcome).toBe('settled');
        const settledView = await serve.call<HistoryPage>('history', { limit: 1 });
        expect(settledView.ok && settledView.value.records[0]?.outcomeText).toBe('Paid: the money reached the store.');
      } finally {
        await serve.stop();
      }
    } finally {
      await backend.stop();
    }
  }, 120_000);

  it('continues from the backend head after its database is restored from an old backup (§7)', async () => {
    const backend = await startBackend(join(temp.path, 'backend-restore'));
    const dataDir = join(temp.path, 'register-restore');
    const backup = join(temp.path, 'backup');
    try {
      const { enrollment, phone } = await customerAndStore(backend);
      expect(enroll(dataDir, backend, enrollment.code, enrollment.rootFingerprint).status).toBe(0);
      const sellAndSync = async (sales: number) => {
        const serve = await startServe(dataDir);
        try {
          await serve.waitForEvent((event) => event.type === 'status_changed' && event.status.online);
          for (let i = 0; i < sales; i++) {
            await serve.call('startSale', { amount: 100, currency: 392 });
            await serve.call('submitScan', { text: phone.mint(), source: 'replay', deviceId: 'e2e' });
          }
          return await serve.call<SyncReport>('syncNow');
        } finally {
          await serve.stop();
        }
      };
      expect(await sellAndSync(1)).toMatchObject({ ok: true, value: { acknowledgedSeq: 1 } });
      mkdirSync(backup);
      for (const file of ['terminal.db', 'terminal.db-wal', 'terminal.db-shm']) {
        if (existsSync(join(dataDir, file))) copyFileSync(join(dataDir, file), join(backup, file));
      }
      expect(await sellAndSync(2)).toMatchObject({ ok: true, value: { acknowledgedSeq: 3 } });

      // The disk is replaced by last week's backup; the acknowledged head kept outside it says 3.
      for (const file of ['terminal.db', 'terminal.db-wal', 'terminal.db-shm']) {
        rmSync(join(dataDir, file), { force: true });
        if (existsSync(join(backup, file))) copyFileSync(join(backup, file), join(dataDir, file));
      }
      const status = JSON.parse(spawnSync(process.execPath, [terminalBin, 'status', '--data', dataDir, '--json'], { encoding: 'utf8' }).stdout) as TerminalStatus;
      expect(status).toMatchObject({ restoredFromBackup: true });
      expect(status.closedGates).toContain('terminal_offline_too_long');

      const report = await sellAndSync(1);
      expect(report).toMatchObject({ ok: true, value: { ok: true, acknowledgedSeq: 4, rejected: [] } });
      const after = JSON.parse(spawnSync(process.execPath, [terminalBin, 'status', '--data', dataDir, '--json'], { encoding: 'utf8' }).stdout) as TerminalStatus;
      expect(after).toMatchObject({ restoredFromBackup: false, pending: { count: 0 } });
      const flags = await backend.admin<{ flags: { kind?: string; type?: string }[] }>('GET', '/v1/admin/flags');
      expect(JSON.stringify(flags)).not.toMatch(/tamper|conflict/);
    } finally {
      await backend.stop();
    }
  }, 120_000);

  it('enrolls through the local API in two steps, pinning the root key only after the fingerprint is confirmed', async () => {
    const backend = await startBackend(join(temp.path, 'backend-api'));
    const dataDir = join(temp.path, 'register-api');
    try {
      const { store, enrollment, phone } = await customerAndStore(backend);
      const serve = await startServe(dataDir);
      try {
        expect(await serve.call('status')).toMatchObject({ ok: true, value: { terminalId: null } });
        expect(await serve.call('startSale', { amount: 100, currency: 392 })).toMatchObject({ ok: false, error: { code: 'not_enrolled' } });

        const first = await serve.call<{ fingerprint: string }>('enroll', { backendUrl: backend.url, code: enrollment.code, name: 'till 7' });
        expect(first).toEqual({ ok: true, value: { fingerprint: enrollment.rootFingerprint } });
        expect(await serve.call('confirmEnrollment', { fingerprint: 'ffff 0000' })).toMatchObject({
          ok: false,
          error: { code: 'enrollment_failed', message: expect.stringMatching(/does not match the one given; nothing was pinned/) as unknown },
        });
        expect(existsSync(join(dataDir, 'terminal-key.json'))).toBe(false);

        const code = await backend.admin<{ code: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
        expect(await serve.call('enroll', { backendUrl: backend.url, code: code.code })).toMatchObject({ ok: true });
        expect(await serve.call('confirmEnrollment', { fingerprint: enrollment.rootFingerprint.toUpperCase() })).toMatchObject({ ok: true, value: { storeId: store.id } });

        await serve.waitForEvent((event) => event.type === 'status_changed' && event.status.online);
        expect(await serve.call('startSale', { amount: 100, currency: 392 })).toMatchObject({ ok: true });
        expect(await serve.call('submitScan', { text: phone.mint(), source: 'replay', deviceId: 'e2e' })).toMatchObject({
          ok: true,
          value: { record: { decision: 'approved', mode: 'online' } },
        });
      } finally {
        await serve.stop();
      }
    } finally {
      await backend.stop();
    }
  }, 120_000);
});
