import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeEd25519 } from '@tegata/protocol/node';
import { enrollTerminal } from '../../src/node/enroll/enrollTerminal.js';
import { openCore } from '../../src/node/core/openCore.js';
import { systemRandom, systemTime } from '../../src/node/core/systemSources.js';
import { tempDataDir } from '../helpers/tempDataDir.js';
import { startBackend } from '../helpers/backendProcess.js';
import { boundPhone } from '../helpers/syncWorld.js';

const temp = tempDataDir('tegata-clock-');
afterAll(() => temp.remove());
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TEN_MINUTES = 10 * 60 * 1000;

describe('a register whose clock is 10 minutes slow', () => {
  it('refuses offline approvals before it ever measured, then records correct times after its first sync', async () => {
    const backend = await startBackend(join(temp.path, 'backend'));
    try {
      const store = await backend.admin<{ id: string }>('POST', '/v1/admin/stores', { name: 'Clock' });
      const code = await backend.admin<{ code: string; rootFingerprint: string }>('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
      const { phone } = await boundPhone(backend, 10_000);
      const dataDir = join(temp.path, 'register');
      await enrollTerminal({
        dataDir,
        backendUrl: backend.url,
        code: code.code,
        name: 'slow clock',
        ed25519: nodeEd25519,
        logger: silent,
        time: systemTime,
        random: systemRandom,
        confirmFingerprint: () => Promise.resolve(true),
      });

      // The register comes up with a clock 10 minutes slow and no measurement of it.
      const unmeasure = openCore({ dataDir, logger: silent });
      unmeasure.store.transaction(() => unmeasure.store.updateSyncState({ clockOffsetMs: null, clockMeasuredAt: null }));
      unmeasure.close();
      const time = { wallMs: () => Date.now() - TEN_MINUTES, monotonicMs: () => performance.now() };
      const { core, sync: engine, close } = openCore({ dataDir, logger: silent, time, jitter: () => 0.5 });
      if (engine === null) throw new Error('an enrolled register has a sync engine');

      const before = await core.status();
      expect(before.ok && before.value.closedGates).toContain('clock_untrusted');
      await core.startSale({ amount: 100, currency: 392 });
      expect(await core.submitScan({ text: phone.mint(), source: 'replay', deviceId: 'clock' })).toMatchObject({
        ok: true,
        value: { record: { decision: 'declined', reason: 'clock_untrusted', mode: 'offline' } },
      });

      const report = await engine.syncNow();
      expect(report).toMatchObject({ ok: true, acknowledgedSeq: 1 });
      const after = await core.status();
      expect(after.ok && after.value.clock.offsetMs).toBeGreaterThan(TEN_MINUTES - 5_000);
      expect(after.ok && after.value.clock.offsetMs).toBeLessThan(TEN_MINUTES + 5_000);
      // An offset beyond skew keeps offline approvals closed (§4), but the register is online now.
      expect(after.ok && after.value.closedGates).toContain('clock_untrusted');

      await core.startSale({ amount: 100, currency: 392 });
      const sale = await core.submitScan({ text: phone.mint({ issuedAt: Math.floor(Date.now() / 1000) }), source: 'replay', deviceId: 'clock' });
      expect(sale).toMatchObject({ ok: true, value: { record: { decision: 'approved', mode: 'online' } } });
      const createdAt = sale.ok && sale.value.kind === 'decision' ? sale.value.record.createdAt : 0;
      expect(Math.abs(createdAt - Date.now())).toBeLessThan(5_000);
      expect(await engine.syncNow()).toMatchObject({ ok: true, acknowledgedSeq: 2, rejected: [] });
      await engine.stop();
      close();
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
