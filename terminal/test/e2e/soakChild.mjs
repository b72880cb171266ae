// A register under fire, for the sync soak test: the core with its sync engine (through the
// fault proxy the data directory was enrolled with), selling as fast as it can from a script.
//   node soakChild.mjs <dataDir> <phonesFile> <start> <end>   — sell sales start..end-1
//   node soakChild.mjs <dataDir> <phonesFile> drain            — sync until nothing is pending
// Prints one JSON line per reported decision, then `done`.
import { readFileSync } from 'node:fs';
import { fromBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { openCore } from '../../dist/node/core/openCore.js';

const [dataDir, phonesFile, startText, endText] = process.argv.slice(2);
const silent = { info() {}, warn() {}, error() {} };
const phones = JSON.parse(readFileSync(phonesFile, 'utf8')).map((phone) =>
  createOfflineWallet({
    ed25519: nodeEd25519,
    keys: { deviceSeed: fromBase64url(phone.deviceSeed), certificate: fromBase64url(phone.certificate) },
    now: () => Math.floor(Date.now() / 1000),
  }),
);
const { core, sync } = openCore({ dataDir, logger: silent });
sync.start();
process.stdout.write('ready\n');

if (startText === 'drain') {
  for (let round = 0; round < 200; round++) {
    const report = await sync.syncNow();
    const status = await core.status();
    if (report.ok && status.value.pending.count === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const status = await core.status();
  process.stdout.write(`${JSON.stringify({ drained: status.value.pending.count === 0, pending: status.value.pending.count })}\n`);
} else {
  for (let i = Number(startText); i < Number(endText); i++) {
    const phone = phones[i % phones.length];
    await core.startSale({ amount: 10 + (i % 7), currency: 392 });
    const result = await core.submitScan({ text: phone.mint({ counter: i + 1, ttl: 60 }), source: 'replay', deviceId: 'soak' });
    if (!result.ok || result.value.kind !== 'decision') throw new Error(`no decision for sale ${i}: ${JSON.stringify(result)}`);
    const { id, seq, decision, reason, mode } = result.value.record;
    process.stdout.write(`${JSON.stringify({ i, id, seq, decision, reason, mode })}\n`);
  }
}
await sync.stop();
process.stdout.write('done\n');
process.exit(0);
