import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, startFaultProxy, type FaultProxy, type OfflineWallet } from '@tegata/hardware-mocks';
import type { BackendProcess } from './backendProcess.js';
import { startServe, terminalBin, type ServeProcess } from './serveProcess.js';

/** A customer's phone bound at the backend through the dev routes, with a funded wallet. */
export async function boundPhone(backend: BackendProcess, balance: number): Promise<{ accountId: string; phone: OfflineWallet; deviceSeed: Uint8Array; certificate: Uint8Array }> {
  const account = await backend.admin<{ accountId: string }>('POST', '/v1/dev/accounts');
  if (balance > 0) await backend.admin('POST', `/v1/admin/accounts/${account.accountId}/credit`, { amount: balance });
  const deviceSeed = new Uint8Array(randomBytes(32));
  const bound = await backend.admin<{ certificate: string }>('POST', `/v1/dev/accounts/${account.accountId}/devices`, {
    publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(deviceSeed)),
    name: 'test phone',
  });
  const certificate = fromBase64url(bound.certificate)!;
  const phone = createOfflineWallet({ ed25519: nodeEd25519, keys: { deviceSeed, certificate }, now: () => Math.floor(Date.now() / 1000) });
  return { accountId: account.accountId, phone, deviceSeed, certificate };
}

export interface Register {
  name: string;
  dataDir: string;
  proxy: FaultProxy;
  serve: ServeProcess;
  sell(amount: number, token: string): Promise<{ decision: string; reason: string | null; mode: string | null; id: string; ms: number }>;
  stop(): Promise<void>;
}

/** A register enrolled through its own fault proxy in front of the backend, served and online. */
export async function enrolledRegister(backend: BackendProcess, root: string, name: string, storeId: string, fingerprint: string): Promise<Register> {
  const url = new URL(backend.url);
  const proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
  const code = await backend.admin<{ code: string }>('POST', `/v1/admin/stores/${storeId}/enrollment-codes`);
  const dataDir = join(root, name);
  // Asynchronously: the proxy runs in this process and must keep forwarding meanwhile.
  await promisify(execFile)(process.execPath, [terminalBin, 'enroll', '--data', dataDir, '--backend', proxy.url, '--code', code.code, '--fingerprint', fingerprint, '--name', name], {
    encoding: 'utf8',
  });
  const serve = await startServe(dataDir);
  await serve.waitForEvent((event) => event.type === 'status_changed' && event.status.online);
  return {
    name,
    dataDir,
    proxy,
    serve,
    async sell(amount, token) {
      const started = await serve.call('startSale', { amount, currency: 392 });
      if (!started.ok) throw new Error(`startSale at ${name}: ${JSON.stringify(started)}`);
      const began = performance.now();
      const result = await serve.call<{ kind: string; record: { decision: string; reason: string | null; mode: string | null; id: string } }>('submitScan', {
        text: token,
        source: 'replay',
        deviceId: 'e2e',
      });
      const ms = performance.now() - began;
      if (!result.ok || result.value.kind !== 'decision') throw new Error(`no decision at ${name}: ${JSON.stringify(result)}`);
      return { ...result.value.record, ms };
    },
    async stop() {
      await serve.stop();
      await proxy.close();
    },
  };
}
