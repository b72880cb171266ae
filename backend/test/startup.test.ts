import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeEd25519 } from '@tegata/protocol/node';
import { testStartMs } from '@tegata/hardware-mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, StartupError } from '../src/backend.js';
import { initKeys } from '../src/keys/keyCommands.js';
import { systemRandom } from '../src/runtime/random.js';
import { createStore, enrollmentCode, TestTerminal } from './actors.js';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from './databases.js';
import { startTestBackend, testConfig, type TestBackend } from './harness.js';

const fixtureKeys = JSON.parse(
  readFileSync(new URL('../../fixtures/keys/TEST-ONLY-keys.json', import.meta.url), 'utf8'),
) as Record<string, { seed: string; publicKey: string; kid: string }>;

const PRODUCTION = { dev: false }; // the harness's admin token is long enough for production

async function makeKeys(database: TestDatabase, dev: boolean): Promise<string> {
  const directory = path.join(database.dataDir, 'keys');
  await initKeys(
    { directory, ed: nodeEd25519, random: systemRandom, nowS: Math.floor(testStartMs() / 1000), dev },
    { bundleKeyDays: 30, issuerDays: 90 },
  );
  return directory;
}

describe.each(TEST_DIALECTS)('startup outside dev mode on %s', (dialect) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  function database(): TestDatabase {
    const created = createTestDatabase(dialect);
    cleanup.push(() => created.destroy());
    return created;
  }

  it('refuses to start without keys, and does not create any', async () => {
    const db = database();
    await expect(createBackend({ config: testConfig(db, PRODUCTION) })).rejects.toThrow(/no keys in .*keys init/);
  });

  it('refuses key files written in dev mode', async () => {
    const db = database();
    await makeKeys(db, true);
    const error = await createBackend({ config: testConfig(db, PRODUCTION) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(String(error)).toMatch(/refusing TEST-ONLY keys outside dev mode/);
    expect(String(error)).toMatch(/root\.json is marked testOnly/);
  });

  it('refuses the TEST-ONLY fixture keys even when a file does not say so', async () => {
    const db = database();
    const directory = await makeKeys(db, false);
    const rootFile = path.join(directory, 'root.json');
    const root = JSON.parse(readFileSync(rootFile, 'utf8')) as Record<string, unknown>;
    const fixtureRoot = fixtureKeys.root;
    writeFileSync(rootFile, JSON.stringify({ ...root, publicKey: fixtureRoot?.publicKey, kid: fixtureRoot?.kid }));
    await expect(createBackend({ config: testConfig(db, PRODUCTION) })).rejects.toThrow(/TEST-ONLY fixture key "root"/);
  });

  it('starts with production keys; dev-only routes are absent and fixture terminal keys refused', async () => {
    const db = database();
    await makeKeys(db, false);
    let t: TestBackend | undefined;
    try {
      t = await startTestBackend(dialect, { database: db, config: PRODUCTION });
      expect((await t.request('GET', '/readyz')).status).toBe(200);
      expect((await t.request('POST', '/v1/dev/accounts', { admin: true })).status).toBe(404);
      expect((await t.request('GET', '/v1/dev/outbox?to=%2B819012345678')).status).toBe(404);
      const credit = await t.request('POST', '/v1/admin/accounts/acc_x/credit', { admin: true, body: { amount: 1 } });
      expect(credit.status).toBe(404);
      expect(await credit.json()).toMatchObject({ code: 'not_found' });

      const { code } = await enrollmentCode(t, await createStore(t));
      const fixtureTerminal = new TestTerminal(t, Buffer.from(fixtureKeys.terminal?.seed ?? '', 'base64url'));
      const refused = await fixtureTerminal.enroll(code);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'unacceptable_public_key' });
      expect((await new TestTerminal(t).enroll(code)).status).toBe(201);
    } finally {
      await t?.close();
    }
  });
});
