// `npm start`: the backend (dev mode, SQLite in ./data/backend), a demo store with an enrolled
// register (./data/terminal) served on 127.0.0.1, a demo customer signed up with the wallet
// simulator (its TEST-ONLY phone state in ./data) and its rotating QR page — then, on the first
// start only, one demo sale. Ctrl-C stops everything; the data stays for next time.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const data = resolve(process.env.TEGATA_DATA ?? join(root, 'data'));
const backendBin = join(root, 'backend/bin/tegata-backend.mjs');
const terminalBin = join(root, 'terminal/bin/tegata-terminal.mjs');
const walletBin = join(root, 'hardware-mocks/bin/tegata-wallet.mjs');
const walletState = join(data, 'TEST-ONLY-wallet-state.json');
const terminalDir = join(data, 'terminal');
// Written once the first start's demo sale is approved: later starts do not spend again.
const demoSaleFile = join(data, 'demo-sale.json');
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
    // The demo customer signs up like anyone: codes from the dev outbox, a card top-up, a bound phone.
    const wallet = (...args) => execFileSync(process.execPath, [walletBin, '--url', backendUrl, '--state', walletState, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    wallet('signup', '--phone', '+81 90 0000 0001', '--email', 'demo.customer@example.jp', '--password', 'demo customer long passphrase');
    wallet('topup', '10000');
    wallet('bind', '--name', 'Demo phone');
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

  const walletUrl = await start(walletBin, ['--url', backendUrl, '--state', walletState, 'serve', '--port', process.env.TEGATA_WALLET_PORT ?? '8090'], {}, /wallet page on (http:\/\/\S+)/);

  // One demo sale, on the first start only (each start would spend another ¥1,200 of the demo
  // customer's money): the phone shows a code, the register decides, the record syncs. Until one
  // is approved, every start tries again.
  let demoSale;
  const earlier = existsSync(demoSaleFile) ? JSON.parse(readFileSync(demoSaleFile, 'utf8')) : null;
  if (earlier !== null) {
    demoSale = `made on the first start (${earlier.at}); not repeated — see \`tegata-terminal history\``;
  } else {
    await new Promise((r) => setTimeout(r, 1500));
    await api('startSale', { amount: 1200, currency: 392 });
    const code = execFileSync(process.execPath, [walletBin, '--url', backendUrl, '--state', walletState, 'token'], { encoding: 'utf8' }).trim();
    const sale = await api('submitScan', { text: code, source: 'replay', deviceId: 'demo' });
    const record = sale.value?.record;
    if (record === undefined) await api('cancelSale');
    if (record?.decision === 'approved') writeFileSync(demoSaleFile, `${JSON.stringify({ id: record.id, at: new Date().toISOString() })}\n`);
    demoSale = `¥1,200 → ${record ? `${record.decision.toUpperCase()} (${record.mode}${record.reason ? `, ${record.reason}` : ''})` : JSON.stringify(sale.error)}`;
  }

  console.log(`
Tegata is running (development mode, TEST-ONLY keys).
  backend     ${backendUrl}   (admin token in ${tokenFile})
  register    ${registerUrl}
  phone       ${walletUrl}   (the demo customer's rotating payment code)
  demo sale   ${demoSale}

Try:
  npx tegata-terminal status --data ${terminalDir}
  npx tegata-wallet --state ${walletState} token     # a payment code from the demo phone
  npx tegata-wallet --state ${walletState} balance
  npx tegata-wallet --state ${walletState} token | npx tegata-terminal sale --data ${terminalDir} --amount 500 --currency 392 --token -
  npx tegata-terminal history --data ${terminalDir}
The register's screen (Electron/React UI) is not built yet; its API and CLI are (README: "Walk-through"). Ctrl-C stops.`);
  await new Promise((resolvePromise) => {
    process.once('SIGINT', resolvePromise);
    process.once('SIGTERM', resolvePromise);
  });
} catch (error) {
  console.error(`npm start failed: ${error.message}`);
  stopAll();
  process.exitCode = 1;
}
