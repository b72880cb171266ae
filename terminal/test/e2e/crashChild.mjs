// A register that sells as fast as it can, for the kill -9 test: opens the core on the data
// directory, then for each index starts a sale, scans a token whose counter is the index and
// prints the decision it reported. Runs from the build (the parent test builds nothing).
import { readFileSync } from 'node:fs';
import { readDeviceKeysFile } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { openCore } from '../../dist/node/core/openCore.js';

const [dataDir, startText, countText] = process.argv.slice(2);
const start = Number(startText);
const count = Number(countText);
const silent = { info() {}, warn() {}, error() {} };
const keys = readDeviceKeysFile(JSON.parse(readFileSync(new URL('../../../fixtures/keys/TEST-ONLY-device-demo.json', import.meta.url), 'utf8')));
if (!keys.ok) throw new Error(keys.message);
const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now: () => Math.floor(Date.now() / 1000) });
const { core } = openCore({ dataDir, logger: silent });
process.stdout.write('ready\n');
for (let i = start; i < start + count; i++) {
  const started = await core.startSale({ amount: 1, currency: 392 });
  if (!started.ok) throw new Error(started.error.message);
  const result = await core.submitScan({ text: phone.mint({ counter: i, ttl: 60 }), source: 'replay', deviceId: 'crash-test' });
  if (!result.ok || result.value.kind !== 'decision') throw new Error(`no decision for ${i}`);
  const { id, seq, decision, reason } = result.value.record;
  // Pipes are written synchronously on Linux: once this returns, the parent will read it.
  process.stdout.write(`${JSON.stringify({ i, id, seq, decision, reason })}\n`);
}
process.stdout.write('done\n');
