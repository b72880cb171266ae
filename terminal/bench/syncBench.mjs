// Sync catch-up benchmark (DESIGN.md numbers): 2,000 sales queued offline reach a real backend
// (its own process, SQLite, loopback) and settle. Prints JSON rows for scripts/bench.mjs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { enrollTerminal } from '../dist/node/enroll/enrollTerminal.js';
import { openCore } from '../dist/node/core/openCore.js';

const SALES = Number(process.env.TEGATA_BENCH_SYNC_SALES ?? 2000);
const silent = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'tegata-syncbench-'));
const admin = `bench-${randomBytes(8).toString('hex')}`;
const config = join(dir, 'backend.json');
writeFileSync(config, JSON.stringify({
  policy: { currency: 392, clockSkewSeconds: 30, maxTokenTtlSeconds: 60, maxOfflineSeconds: 259200, maxStoredPayments: 100000, maxStoredAmount: 1e12, maxClockAgeSeconds: 86400 },
  certificates: { perPaymentLimit: 30000, cumulativeLimit: 100000000 },
}));
const backend = spawn(process.execPath, [new URL('../../backend/bin/tegata-backend.mjs', import.meta.url).pathname, 'serve', '--port', '0', '--data', join(dir, 'backend')], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, TEGATA_DEV: '1', TEGATA_ADMIN_TOKEN: admin, TEGATA_CONFIG: config, TEGATA_LOG_LEVEL: 'warn' },
});
try {
  const url = await new Promise((resolve, reject) => {
    let err = '';
    backend.stderr.on('data', (chunk) => {
      err += chunk;
      const match = /listening on (http:\/\/\S+?)(?:[\s;]|$)/.exec(err);
      if (match) resolve(match[1]);
    });
    backend.once('exit', () => reject(new Error(err)));
  });
  const call = async (method, path, body) => {
    const response = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const store = await call('POST', '/v1/admin/stores', { name: 'bench' });
  const code = await call('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
  const account = await call('POST', '/v1/dev/accounts');
  await call('POST', `/v1/admin/accounts/${account.accountId}/credit`, { amount: 100_000_000 });
  const deviceSeed = new Uint8Array(randomBytes(32));
  const bound = await call('POST', `/v1/dev/accounts/${account.accountId}/devices`, { publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)), name: 'bench' });
  const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: { deviceSeed, certificate: fromBase64url(bound.certificate) }, now: () => Math.floor(Date.now() / 1000) });
  const dataDir = join(dir, 'register');
  await enrollTerminal({ dataDir, backendUrl: url, code: code.code, name: 'bench', ed25519: nodeEd25519, logger: silent, confirmFingerprint: async () => true });

  // Queue the sales offline (the backend unreachable), then measure the catch-up.
  const offline = openCore({ dataDir, logger: silent, backendUrl: 'http://127.0.0.1:9' });
  for (let i = 1; i <= SALES; i++) {
    await offline.core.startSale({ amount: 10, currency: 392 });
    const result = await offline.core.submitScan({ text: phone.mint({ counter: i, ttl: 60 }), source: 'replay', deviceId: 'bench' });
    if (result.value?.record?.decision !== 'approved') throw new Error(`sale ${i} was not approved: ${JSON.stringify(result)}`);
  }
  offline.close();

  const { store: terminalStore, sync, close } = openCore({
    dataDir,
    logger: silent,
    onSyncProgress: ({ pending }) => process.stderr.write(`\rsyncing: ${SALES - pending}/${SALES}   `),
  });
  const began = performance.now();
  let acknowledgedAt = null;
  let settled = 0;
  for (let round = 0; round < 200 && settled < SALES; round++) {
    const report = await sync.syncNow();
    if (!report.ok) throw new Error(report.error);
    if (acknowledgedAt === null && terminalStore.pendingCount() === 0) acknowledgedAt = performance.now();
    settled = terminalStore.db.prepare("SELECT count(*) AS n FROM journal WHERE outcome = 'settled'").get().n;
  }
  const done = performance.now();
  process.stderr.write('\n');
  await sync.stop();
  close();
  if (settled !== SALES) throw new Error(`only ${settled} of ${SALES} settled`);
  const row = (name, value, unit, target) => console.log(JSON.stringify({ package: 'terminal', name, value, unit, ...(target ? { target } : {}) }));
  row(`sync catch-up: ${SALES} queued sales acknowledged`, (acknowledgedAt - began) / 1000, 's');
  row(`sync catch-up: ${SALES} queued sales acknowledged and settled`, (done - began) / 1000, 's', '< 5');
} finally {
  backend.kill('SIGTERM');
  await new Promise((resolve) => backend.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
