/**
 * `tegata-wallet serve`: the payment screen of a phone, as a web page — a QR code of a fresh
 * token every 30 s (each with the next counter, persisted before it is shown), a countdown, and
 * the device id. For demos and camera tests (point a camera at the screen, or let Chromium's
 * fake camera play it). Listens on 127.0.0.1 by default and changes nothing on GET but the
 * token it mints, as a phone would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { qrSvg } from './qrImages.js';
import type { WalletSimulator } from './walletSimulator.js';

export interface RotatingQrOptions {
  wallet: WalletSimulator;
  host?: string;
  port?: number;
  /** How often a new token is minted (and its lifetime); 30 s like the payment screen. */
  periodMs?: number;
  nowMs?: () => number;
}

export interface RotatingQrServer {
  readonly url: string;
  close(): Promise<void>;
}

interface Current {
  token: string;
  counter: number;
  mintedAt: number;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tegata wallet simulator (TEST-ONLY)</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f1ea; color: #222; display: flex; flex-direction: column; align-items: center; margin: 0; padding: 24px; }
  .card { background: white; border-radius: 16px; padding: 24px; box-shadow: 0 2px 12px rgba(0,0,0,.12); text-align: center; max-width: 420px; }
  #qr svg { width: 340px; height: 340px; }
  .muted { color: #666; font-size: 14px; }
  .warn { color: #a30; font-size: 12px; margin-top: 16px; }
</style>
</head>
<body>
<div class="card">
  <h1>Pay with Tegata</h1>
  <div id="qr" aria-label="payment code"></div>
  <p>New code in <strong id="countdown">–</strong></p>
  <p class="muted">Device <span id="device"></span> · code #<span id="counter"></span></p>
  <p class="warn">TEST-ONLY simulator: never a real customer's phone.</p>
</div>
<script>
  let counter = null;
  async function tick() {
    try {
      const current = await (await fetch('/current.json', { cache: 'no-store' })).json();
      if (current.counter !== counter) {
        counter = current.counter;
        document.getElementById('qr').innerHTML = await (await fetch('/qr.svg?counter=' + counter, { cache: 'no-store' })).text();
        document.getElementById('counter').textContent = counter;
        document.getElementById('device').textContent = current.deviceId;
      }
      document.getElementById('countdown').textContent = Math.ceil(current.refreshInMs / 1000) + ' s';
    } catch (error) {
      document.getElementById('countdown').textContent = 'offline';
    }
  }
  tick();
  setInterval(tick, 1000);
</script>
</body>
</html>
`;

export async function serveRotatingQr(options: RotatingQrOptions): Promise<RotatingQrServer> {
  const periodMs = options.periodMs ?? 30_000;
  const nowMs = options.nowMs ?? (() => Date.now());
  let current: Current | null = null;

  const fresh = (): Current => {
    const now = nowMs();
    if (current === null || now - current.mintedAt >= periodMs) {
      const minted = options.wallet.token({ ttl: Math.round(periodMs / 1000) });
      current = { token: minted.token, counter: minted.counter, mintedAt: now };
    }
    return current;
  };

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(body);
    };
    if (request.method !== 'GET') return send(405, 'text/plain; charset=utf-8', 'GET only\n');
    try {
      if (path === '/') return send(200, 'text/html; charset=utf-8', PAGE);
      if (path === '/current.json') {
        const now = fresh();
        const body = { token: now.token, counter: now.counter, deviceId: options.wallet.state.device?.deviceId, refreshInMs: Math.max(0, now.mintedAt + periodMs - nowMs()) };
        return send(200, 'application/json; charset=utf-8', JSON.stringify(body));
      }
      if (path === '/qr.svg') {
        void qrSvg(fresh().token).then(
          (svg) => send(200, 'image/svg+xml', svg),
          (error: unknown) => send(500, 'text/plain; charset=utf-8', `${String(error)}\n`),
        );
        return;
      }
      return send(404, 'text/plain; charset=utf-8', 'not found\n');
    } catch (error) {
      return send(500, 'text/plain; charset=utf-8', `${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
