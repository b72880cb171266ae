// `npm start`: the backend (dev mode, SQLite in ./data/backend), a demo store with an enrolled
// register (./data/terminal) served on 127.0.0.1, and a demo customer whose TEST-ONLY phone
// keys are in ./data — then one demo sale. Ctrl-C stops everything; data stays for next time.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet } from '@tegata/hardware-mocks';

const root = resolve(new URL('..', import.meta.url).pathname);
const data = resolve(process.env.TEGATA_DATA ?? join(root, 'data'));
const backendBin = join(root, 'backend/bin/tegata-backend.mjs');
const terminalBin = join(root, 'terminal/bin/tegata-terminal.mjs');
const phoneFile = join(data, 'TEST-ONLY-demo-phone.json');
const terminalDir = join(data, 'terminal');
mkdirSync(data, { recursive: true, mode: 0o700 });

// A dev-only admin token, kept across starts so the CLI can use it too.
const tokenFile = join(data, 'TEST-ONLY-admin-token');
if (!existsSync(tokenFile)) writeFileSync(tokenFile, `TEST-ONLY-${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
const adminToken = readFileSync(tokenFile, 'utf8').trim();

const children = [];
function start(bin, args, env, ready) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    children.push(child);
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolvePromise(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}:\n${output}`)));
  });
}
function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);

try {
  const backendUrl = await start(
    backendBin,
    ['serve', '--port', process.env.TEGATA_BACKEND_PORT ?? '8080', '--data', join(data, 'backend')],
    { TEGATA_DEV: '1', TEGATA_ADMIN_TOKEN: adminToken, TEGATA_LOG_LEVEL: 'warn' },
    /listening on (http:\/\/\S+?)(?:[\s;]|$)/,
  );
  const admin = async (path, body) => {
    const response = await fetch(new URL(path, backendUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };

  if (!existsSync(join(terminalDir, 'terminal-key.json'))) {
    console.log('First start: creating a demo store, enrolling the register, and a demo customer (TEST-ONLY).');
    const store = await admin('/v1/admin/stores', { name: 'Demo store' });
    const code = await admin(`/v1/admin/stores/${store.id}/enrollment-codes`);
    execFileSync(process.execPath, [terminalBin, 'enroll', '--data', terminalDir, '--backend', backendUrl, '--code', code.code, '--fingerprint', code.rootFingerprint, '--name', 'Demo register'], { stdio: 'inherit' });
    const account = await admin('/v1/dev/accounts');
    await admin(`/v1/admin/accounts/${account.accountId}/credit`, { amount: 100_000 });
    const deviceSeed = randomBytes(32);
    const bound = await admin(`/v1/dev/accounts/${account.accountId}/devices`, { publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)), name: 'Demo phone' });
    writeFileSync(
      phoneFile,
      `${JSON.stringify({ testOnly: true, warning: 'TEST-ONLY demo phone key for the local dev backend', name: 'demo', deviceId: bound.deviceId, deviceSeed: toBase64url(deviceSeed), devicePublicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)), certificate: bound.certificate }, null, 2)}\n`,
      { mode: 0o600 },
    );
  }

  const registerUrl = await start(terminalBin, ['serve', '--data', terminalDir, '--port', process.env.TEGATA_REGISTER_PORT ?? '0'], { TEGATA_LOG_LEVEL: 'warn' }, /ready: (\S+)/);
  const { port, hash } = new URL(registerUrl);
  const token = hash.replace('#token=', '');
  const api = async (method, input = {}) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return response.json();
  };

  // One demo sale: the phone shows a code, the register decides, the record syncs.
  const phoneKeys = JSON.parse(readFileSync(phoneFile, 'utf8'));
  const phone = createOfflineWallet({
    ed25519: nodeEd25519,
    keys: { deviceSeed: fromBase64url(phoneKeys.deviceSeed), certificate: fromBase64url(phoneKeys.certificate) },
    now: () => Math.floor(Date.now() / 1000),
    firstCounter: Math.floor(Date.now() / 1000),
  });
  await new Promise((r) => setTimeout(r, 1500));
  await api('startSale', { amount: 1200, currency: 392 });
  const sale = await api('submitScan', { text: phone.mint(), source: 'replay', deviceId: 'demo' });
  const record = sale.value?.record;

  console.log(`
Tegata is running (development mode, TEST-ONLY keys).
  backend     ${backendUrl}   (admin token in ${tokenFile})
  register    ${registerUrl}
  demo sale   ¥1,200 → ${record ? `${record.decision.toUpperCase()} (${record.mode}${record.reason ? `, ${record.reason}` : ''})` : JSON.stringify(sale.error)}

Try:
  npx tegata-terminal status --data ${terminalDir}
  npx tegata-token mint --keys ${phoneFile}        # a payment code from the demo phone
  npx tegata-terminal sale --data ${terminalDir} --amount 500 --currency 392   # then scan: see README
The register's screen (Electron/React UI) is not built yet; its API and CLI are. Ctrl-C stops.`);
  await new Promise((resolvePromise) => {
    process.once('SIGINT', resolvePromise);
    process.once('SIGTERM', resolvePromise);
  });
} catch (error) {
  console.error(`npm start failed: ${error.message}`);
  stopAll();
  process.exitCode = 1;
}
