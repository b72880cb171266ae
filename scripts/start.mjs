// `npm start`: what Tegata can run today. The protocol, the TEST-ONLY fixtures and the
// offline wallet are built; the backend and the register arrive with their own issues, and
// this script will start them (backend on SQLite in ./data, an enrolled demo register) then.
import { readFileSync } from 'node:fs';
import { createTokenVerifier, fromBase64url, readDeviceKeysFile, verifyTrustBundle } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';
import { reasonText } from '../terminal/dist/shared/reasonText.js';

const fixture = (path) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
const rootKey = fromBase64url(fixture('keys/TEST-ONLY-keys.json').root.publicKey);
const trusted = verifyTrustBundle(nodeEd25519, fixture('trust/TEST-ONLY-trust-bundle.json'), [rootKey]);
if (!trusted.ok) throw new Error(`the fixture trust bundle is refused: ${trusted.detail}`);
const keys = readDeviceKeysFile(fixture('keys/TEST-ONLY-device-demo.json'));
if (!keys.ok) throw new Error(keys.message);

const now = () => Math.floor(Date.now() / 1000);
const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: keys.keys, now, firstCounter: now() });
const register = createTokenVerifier({ ed25519: nodeEd25519 });
const short = (token) => `${token.slice(0, 10)}…${token.slice(-4)}`;

console.log('Tegata demo (TEST-ONLY keys): a phone pays offline, the register verifies with Ed25519.\n');
console.log(`Trust bundle serial ${trusted.bundle.document.serial}, verified against the TEST-ONLY root key.\n`);

const sales = [
  { label: '¥1,200 with a fresh code', amount: 1200, mint: () => phone.mint() },
  { label: '¥1,200 with a screenshot from two minutes ago', amount: 1200, mint: () => phone.mint({ issuedAt: now() - 120 }) },
  { label: '¥50,000, over the phone’s limit for one payment', amount: 50_000, mint: () => phone.mint() },
  { label: 'a product barcode instead of a payment code', amount: 300, mint: () => '4901234567894' },
];
for (const sale of sales) {
  const text = sale.mint();
  const started = process.hrtime.bigint();
  const result = register.verify({ text, bundle: trusted.bundle.document, now: now(), amount: sale.amount, currency: 392 });
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  console.log(`• ${sale.label}  [${text.startsWith('TG') ? short(text) : text}]`);
  if (result.ok) {
    console.log(`  APPROVED  phone ${result.fields.deviceId.slice(0, 8)}, counter ${result.fields.counter} (${micros.toFixed(0)} µs)\n`);
  } else {
    const { title, action } = reasonText(result.reason);
    console.log(`  DECLINED  ${title}. ${action} (${result.reason}, ${micros.toFixed(0)} µs)\n`);
  }
}
console.log('Try the token CLI too:  npx tegata-token mint --keys fixtures/keys/TEST-ONLY-device-demo.json | \\');
console.log('  npx tegata-token verify --trust fixtures/trust/TEST-ONLY-trust-bundle.json --amount 1200 --currency 392 -');
