// Terminal benchmark: scan text in → decision committed on disk (synchronous=FULL), over 2,000
// sales on a real database in a temp directory. Prints JSON rows for scripts/bench.mjs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, freshTestOnlyBundle } from '@tegata/hardware-mocks';
import { devSetup } from '../dist/node/dev/devSetup.js';
import { openCore } from '../dist/node/core/openCore.js';

const SALES = Number(process.env.TEGATA_BENCH_SALES ?? 2000);
const fixtures = (path) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const silent = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'tegata-bench-'));
try {
  const now = Math.floor(Date.now() / 1000);
  const base = JSON.parse(Buffer.from(freshTestOnlyBundle(now).payload, 'base64url').toString('utf8'));
  const bundle = freshTestOnlyBundle(now, { policy: { ...base.policy, maxStoredPayments: 1e6, maxStoredAmount: 1e9 } });
  const keysFile = fixtures('keys/TEST-ONLY-keys.json');
  devSetup({
    dataDir: dir,
    terminalId: 'bench',
    terminalSeed: keysFile.terminal.seed,
    rootPublicKey: keysFile.root.publicKey,
    trustBundle: bundle,
    logger: silent,
    nowMs: Date.now(),
  });
  const keys = readDeviceKeysFile(fixtures('keys/TEST-ONLY-device-demo.json'));
  const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000) });
  const { core, close } = openCore({ dataDir: dir, logger: silent });
  const tokens = Array.from({ length: SALES }, (_, i) => phone.mint({ counter: i + 1, ttl: 60 }));
  const times = [];
  let approved = 0;
  for (const text of tokens) {
    await core.startSale({ amount: 1, currency: 392 });
    const started = performance.now();
    const result = await core.submitScan({ text, source: 'replay', deviceId: 'bench' });
    times.push(performance.now() - started);
    if (result.ok && result.value.kind === 'decision' && result.value.record.decision === 'approved') approved++;
  }
  close();
  if (approved !== SALES) throw new Error(`only ${approved} of ${SALES} sales were approved`);
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const row = (name, value, unit, target) => console.log(JSON.stringify({ package: 'terminal', name, value, unit, ...(target ? { target } : {}) }));
  row(`scan → decision committed, p50 (${SALES} sales)`, at(0.5), 'ms', '≤ 10');
  row(`scan → decision committed, p99 (${SALES} sales)`, at(0.99), 'ms', '≤ 50');
  row('scan → decision committed, max', times.at(-1), 'ms');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
