import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64url } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { FakeTime, FIXTURE_NOW, fixtureBundle, fixtureIdentity } from '../../../test/helpers/coreHarness.js';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';
import { openCore } from '../core/openCore.js';
import { readIdentity } from '../identity/terminalIdentity.js';
import { enrollTerminal, EnrollError } from './enrollTerminal.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ROOT = fixtureIdentity().rootPublicKeys[0]!;
const SERVER_MS = FIXTURE_NOW * 1000 + 5_000;
/** The register's wall clock starts two minutes behind the backend's. */
const REGISTER_MS = SERVER_MS - 5_000 - 120_000;
const ROUND_TRIP_MS = 40;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/**
 * A backend that enrolls with the TEST-ONLY root and trust bundle and answers GET /v1/time with
 * SERVER_MS, letting ROUND_TRIP_MS pass on the register's clock while it "travels".
 */
async function fakeBackend(time: FakeTime): Promise<{ url: string; enrollBodies: { publicKey: string }[] }> {
  const enrollBodies: { publicKey: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST' && request.url === '/v1/terminals/enroll') {
        enrollBodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { publicKey: string });
        response.end(JSON.stringify({ terminalId: 'TEST-ONLY-enrolled', storeId: 'store-1', rootPublicKey: toBase64url(ROOT), trust: fixtureBundle }));
      } else if (request.method === 'GET' && request.url === '/v1/time') {
        time.advance(ROUND_TRIP_MS);
        response.end(JSON.stringify({ now: SERVER_MS }));
      } else {
        response.statusCode = 404;
        response.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, enrollBodies };
}

function dataDir(): string {
  const temp = tempDataDir('tegata-enroll-');
  cleanup.push(() => temp.remove());
  return join(temp.path, 'register');
}

describe('enrollTerminal', () => {
  it('makes the terminal key from the injected randomness and measures the clock with the injected time', async () => {
    const time = new FakeTime(REGISTER_MS);
    const backend = await fakeBackend(time);
    const seed = new Uint8Array(32).fill(0x42);
    const asked: number[] = [];
    const random = (length: number): Uint8Array => {
      asked.push(length);
      return length === 32 ? seed.slice() : new Uint8Array(length).fill(0x17);
    };
    const dir = dataDir();

    const result = await enrollTerminal({
      dataDir: dir,
      backendUrl: backend.url,
      code: 'TEST-ONLY-code',
      name: 'till 1',
      ed25519: nodeEd25519,
      logger: silent,
      time: time.sources,
      random,
      confirmFingerprint: () => Promise.resolve(true),
    });

    expect(result).toMatchObject({ terminalId: 'TEST-ONLY-enrolled', storeId: 'store-1', trustSerial: 42 });
    // The key: the injected bytes, sent as their public key and kept in the identity file.
    expect(asked[0]).toBe(32);
    expect(backend.enrollBodies).toEqual([expect.objectContaining({ publicKey: toBase64url(nodeEd25519.publicKeyFromSeed(seed)) })]);
    expect(readIdentity(dir, nodeEd25519)?.seed).toEqual(seed);

    // The clock: sent at REGISTER_MS, answered ROUND_TRIP_MS later by SERVER_MS, both on the injected clock.
    const opened = openCore({ dataDir: dir, logger: silent, time: time.sources });
    cleanup.push(() => opened.close());
    const status = await opened.core.status();
    expect(status.ok && status.value.clock).toMatchObject({
      offsetMs: SERVER_MS - (REGISTER_MS + ROUND_TRIP_MS / 2),
      measuredAt: REGISTER_MS + ROUND_TRIP_MS,
    });
    expect(status.ok && status.value.lastSyncAt).toBe(Math.floor((REGISTER_MS + ROUND_TRIP_MS) / 1000));
  });

  it('refuses a random source that does not give 32 bytes, before asking the backend', async () => {
    const time = new FakeTime(REGISTER_MS);
    const backend = await fakeBackend(time);
    const enrolling = enrollTerminal({
      dataDir: dataDir(),
      backendUrl: backend.url,
      code: 'TEST-ONLY-code',
      name: 'till 1',
      ed25519: nodeEd25519,
      logger: silent,
      time: time.sources,
      random: (length) => new Uint8Array(length - 1),
      confirmFingerprint: () => Promise.resolve(true),
    });
    await expect(enrolling).rejects.toThrow(EnrollError);
    expect(backend.enrollBodies).toEqual([]);
  });
});
