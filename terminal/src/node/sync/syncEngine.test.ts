import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { freshTestOnlyBundle, type OfflineWallet } from '@tegata/hardware-mocks';
import { createCoreHarness, FIXTURE_NOW, fixtureBundle, type CoreHarness } from '../../../test/helpers/coreHarness.js';
import { FakeBackend, networkError } from '../../../test/helpers/fakeBackendClient.js';
import { ManualTimers } from '../../../test/helpers/manualTimers.js';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';
import type { OnlineAuthorizer } from '../core/ports.js';
import { readAckedHead } from '../identity/terminalIdentity.js';
import { BackendError } from './backendClient.js';
import { ONLINE_WINDOW_MS, SyncEngine, type SyncEngineOptions } from './syncEngine.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function harness(options: Parameters<typeof createCoreHarness>[0] = {}): CoreHarness {
  const h = createCoreHarness(options);
  cleanups.push(() => h.close());
  return h;
}

interface Rig {
  engine: SyncEngine;
  timers: ManualTimers;
  logs: { level: string; message: string | undefined }[];
}

function rig(h: CoreHarness, backend: FakeBackend, options: Partial<SyncEngineOptions> = {}): Rig {
  const timers = new ManualTimers();
  const logs: Rig['logs'] = [];
  const engine = new SyncEngine({
    core: h.core,
    store: h.store,
    client: backend.client(),
    dataDir: h.dir,
    logger: {
      info: (_, message) => logs.push({ level: 'info', message }),
      warn: (_, message) => logs.push({ level: 'warn', message }),
      error: (_, message) => logs.push({ level: 'error', message }),
    },
    time: h.time.sources,
    random: () => 0.5,
    timers,
    batchSize: 3,
    intervalMs: 15_000,
    backoffBaseMs: 1_000,
    backoffMaxMs: 8_000,
    ...options,
  });
  cleanups.push(() => void engine.stop());
  return { engine, timers, logs };
}

async function sell(h: CoreHarness, phone: OfflineWallet, amount = 100): Promise<number> {
  const started = await h.core.startSale({ amount, currency: 392 });
  if (!started.ok) throw new Error(started.error.message);
  const result = await h.core.submitScan({ text: phone.mint(), source: 'replay', deviceId: 'test' });
  if (!result.ok || result.value.kind !== 'decision') throw new Error('no decision');
  return result.value.record.seq;
}

async function sellMany(h: CoreHarness, count: number): Promise<void> {
  const phone = h.wallet();
  for (let i = 0; i < count; i++) await sell(h, phone);
}

async function status(h: CoreHarness) {
  const result = await h.core.status();
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function history(h: CoreHarness) {
  const result = await h.core.history({ limit: 50 });
  if (!result.ok) throw new Error(result.error.message);
  return [...result.value.records].reverse();
}

const outboxSeqs = (h: CoreHarness): number[] => h.store.outboxBatch(1_000).map((record) => record.seq);
const localJournal = (h: CoreHarness): JournalRecord[] => h.store.outboxBatch(1_000);

describe('SyncEngine round: clock and trust', () => {
  it('measures the clock offset round-trip corrected and records it in the core status', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time);
    // 100 ms out, the server reads its clock (5 s ahead of ours), 100 ms back.
    backend.once('time', () => {
      h.time.advance(100);
      const server = h.time.wall + 5_000;
      h.time.advance(100);
      return server;
    });
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    expect(report).toMatchObject({ ok: true, error: null });
    expect((await status(h)).clock).toEqual({ trusted: true, offsetMs: 5_000, measuredAt: h.time.wall });
    expect(h.store.syncState()).toMatchObject({ clockOffsetMs: 5_000, clockMeasuredAt: h.time.wall });
    expect(engine.isOnline()).toBe(true);
  });

  it('installs a newer trust bundle and asks with its serial next time', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time);
    const newer = freshTestOnlyBundle(FIXTURE_NOW, { serial: 43 });
    backend.once('trust', () => newer);
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: true, trustSerial: 43 });
    expect(h.core.trustSerial()).toBe(43);
    expect((await status(h)).trust.serial).toBe(43);
    expect(h.store.trustBundleJson()).toEqual(newer);
    await engine.syncNow();
    expect(backend.callsOf('trust').map(([serial]) => serial)).toEqual([42, 43]);
  });

  it('refuses a rollback bundle and keeps the one it holds', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time);
    backend.once('trust', () => freshTestOnlyBundle(FIXTURE_NOW, { serial: 41 }));
    const { engine, logs } = rig(h, backend);
    const report = await engine.syncNow();
    expect(report).toMatchObject({ ok: true, trustSerial: 42 });
    expect(h.core.trustSerial()).toBe(42);
    expect(h.store.trustBundleJson()).toEqual(fixtureBundle);
    expect(logs).toContainEqual({ level: 'error', message: 'trust bundle from the backend refused' });
    // Still refused after a restart: the rollback was never stored.
    h.restart();
    expect(h.core.trustSerial()).toBe(42);
  });

  it('takes the server time from a timestamp_out_of_window refusal', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time);
    backend.once('trust', () => {
      throw new BackendError('http', 'GET /v1/terminal/trust: 401', 401, 'timestamp_out_of_window', h.time.wall + 400_000);
    });
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: false });
    expect((await status(h)).clock.offsetMs).toBe(400_000);
  });
});

describe('SyncEngine round: a revoked register', () => {
  it('still hands over its journal when the backend refuses it as revoked, and reports the round as failed', async () => {
    const h = harness();
    await sellMany(h, 2);
    const backend = new FakeBackend(h.time);
    const revoked = () => {
      throw new BackendError('http', 'GET /v1/terminal/trust: 403', 403, 'terminal_revoked');
    };
    backend.behaviour.trust = revoked;
    backend.behaviour.outcomes = revoked;
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    expect(backend.batches).toEqual([[1, 2]]);
    expect(report).toMatchObject({ ok: false, sent: 2, acknowledgedSeq: 2, outcomes: 0 });
    expect(report.error).toMatch(/403/);
    expect(outboxSeqs(h)).toEqual([]);
  });

  it('does not send the journal on any other refusal of the trust request', async () => {
    const h = harness();
    await sellMany(h, 1);
    const backend = new FakeBackend(h.time);
    backend.behaviour.trust = () => {
      throw new BackendError('http', 'GET /v1/terminal/trust: 401', 401, 'bad_signature');
    };
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: false, sent: 0 });
    expect(backend.batches).toEqual([]);
  });
});

describe('SyncEngine round: the outbox', () => {
  it('sends the outbox in seq order in batches of batchSize and acknowledges each head', async () => {
    const h = harness();
    await sellMany(h, 7);
    const sold = localJournal(h);
    const backend = new FakeBackend(h.time);
    const { engine } = rig(h, backend, { batchSize: 3 });
    const report = await engine.syncNow();
    expect(backend.batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(report).toEqual({ ok: true, sent: 7, acknowledgedSeq: 7, rejected: [], outcomes: 0, trustSerial: 42, error: null });
    // The backend holds exactly our signed chain, byte for byte.
    expect(backend.chain).toEqual(sold);
    expect(verifyChain(nodeEd25519, backend.chain, { terminalPublicKey: h.identity.publicKey })).toMatchObject({ ok: true });
    expect(outboxSeqs(h)).toEqual([]);
    expect(h.store.syncState()).toMatchObject({ ackedSeq: 7, ackedHash: sold[6]!.hash, offlineSince: null });
    expect(readAckedHead(h.dir)).toEqual({ seq: 7, hash: sold[6]!.hash });
    expect((await status(h)).pending.count).toBe(0);
    expect((await history(h)).every((record) => record.synced)).toBe(true);
  });

  it('acknowledges up to the head the backend reports, and resumes after it', async () => {
    const h = harness();
    await sellMany(h, 7);
    const backend = new FakeBackend(h.time);
    // The backend takes only the first two of the batch this time.
    backend.once('journal', (records) => backend.store(records.slice(0, 2)));
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: true, sent: 2, acknowledgedSeq: 2 });
    expect(outboxSeqs(h)).toEqual([3, 4, 5, 6, 7]);
    await engine.syncNow();
    expect(backend.batches).toEqual([[1, 2, 3], [3, 4, 5], [6, 7]]);
    expect(outboxSeqs(h)).toEqual([]);
  });

  it('acknowledges nothing when the head hash is not our record at that seq', async () => {
    const h = harness();
    await sellMany(h, 7);
    const backend = new FakeBackend(h.time);
    let journalCalls = 0;
    backend.behaviour.journal = (records) => {
      // Bounded, so a product that re-sends in a loop still lets this test finish.
      if (++journalCalls > 5) throw networkError();
      return { results: records.map((record) => ({ id: record.id, status: 'accepted' as const })), head: { seq: 3, hash: 'f'.repeat(64) } };
    };
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    expect(report.acknowledgedSeq).toBe(0);
    expect(h.store.syncState().ackedSeq).toBe(0);
    expect(outboxSeqs(h)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await history(h)).some((record) => record.synced)).toBe(false);
    expect(readAckedHead(h.dir)?.seq ?? 0).toBe(0);
  });

  // A reply that moves nothing forward ends the round; the batch waits for the backoff.
  it('does not resend the same batch within one round when a reply acknowledges nothing', async () => {
    const h = harness();
    await sellMany(h, 4);
    const backend = new FakeBackend(h.time);
    let journalCalls = 0;
    backend.behaviour.journal = (records) => {
      if (++journalCalls > 5) throw networkError();
      return { results: records.map((record) => ({ id: record.id, status: 'duplicate' as const })), head: { seq: 9, hash: 'e'.repeat(64) } };
    };
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    expect(backend.batches).toEqual([[1, 2, 3]]);
    expect(report.ok).toBe(false);
  });

  it('acknowledges duplicate results like accepted ones', async () => {
    const h = harness();
    await sellMany(h, 7);
    const backend = new FakeBackend(h.time);
    // The backend already has 1–4 (its reply to an earlier send was lost).
    backend.store(localJournal(h).slice(0, 4));
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    // 1–3 come back duplicate with the backend's head at 4, which is our record 4: all four are
    // acknowledged, so 4 is not sent again.
    expect(backend.batches).toEqual([[1, 2, 3], [5, 6, 7]]);
    expect(report).toMatchObject({ ok: true, sent: 6, acknowledgedSeq: 7, rejected: [] });
    expect(outboxSeqs(h)).toEqual([]);
    expect(backend.chain.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('acknowledges a batch of nothing but duplicates', async () => {
    const h = harness();
    await sellMany(h, 3);
    const sold = localJournal(h);
    const backend = new FakeBackend(h.time);
    backend.store(sold);
    // The head answer predates the backend's copy (a reply lost last round): all three go out.
    backend.once('head', () => ({ seq: 0, hash: GENESIS_HASH }));
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: true, sent: 3, acknowledgedSeq: 3 });
    expect(backend.batches).toEqual([[1, 2, 3]]);
    expect(outboxSeqs(h)).toEqual([]);
  });

  it('sends nothing when the backend holds a different record at its head seq (a fork)', async () => {
    const h = harness();
    await sellMany(h, 3);
    // Records this process found at start, not ones it made since (those would mean a restore).
    h.restart();
    const backend = new FakeBackend(h.time);
    backend.once('head', () => ({ seq: 2, hash: 'f'.repeat(64) }));
    const { engine } = rig(h, backend);
    const report = await engine.syncNow();
    expect(report).toMatchObject({ ok: false, sent: 0, acknowledgedSeq: 0 });
    expect(report.error).toContain('differs');
    expect(backend.batches).toEqual([]);
    expect(outboxSeqs(h)).toEqual([1, 2, 3]);
  });

  it('marks a rejected record, sends nothing after it in that round, and reports not ok', async () => {
    const h = harness();
    await sellMany(h, 7);
    const [first, second] = localJournal(h);
    const backend = new FakeBackend(h.time);
    backend.once('journal', (records) => {
      backend.store(records.slice(0, 1));
      return {
        results: [
          { id: first!.id, status: 'accepted' },
          { id: second!.id, status: 'rejected', code: 'chain_gap' },
        ],
        head: backend.chainHead,
      };
    });
    const { engine, logs } = rig(h, backend);
    const report = await engine.syncNow();
    expect(backend.batches).toEqual([[1, 2, 3]]);
    expect(report).toMatchObject({ ok: false, sent: 1, acknowledgedSeq: 1, rejected: [{ id: second!.id, seq: 2, code: 'chain_gap' }] });
    expect(report.error).toContain('chain_gap');
    expect(outboxSeqs(h)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(h.store.rejectedRecords()).toEqual([{ seq: 2, id: second!.id, code: 'chain_gap' }]);
    expect((await status(h)).rejectedRecords).toEqual([{ seq: 2, id: second!.id, code: 'chain_gap' }]);
    expect(logs).toContainEqual({ level: 'error', message: 'the backend refused a journal record; later records wait' });
  });

  it('after a crash, sends exactly the records not yet acknowledged, none twice', async () => {
    const dir = tempDataDir();
    cleanups.push(() => dir.remove());
    const first = harness({ dir: dir.path });
    await sellMany(first, 7);
    const sold = localJournal(first);
    const backend = new FakeBackend(first.time);
    // The backend stores the second batch, but the register dies before the answer arrives.
    backend.once('journal', (records) => backend.store(records));
    backend.once('journal', (records) => {
      backend.store(records);
      throw networkError();
    });
    expect(await rig(first, backend).engine.syncNow()).toMatchObject({ ok: false, acknowledgedSeq: 3 });
    expect(backend.batches).toEqual([[1, 2, 3], [4, 5, 6]]);
    first.close();

    const second = harness({ dir: dir.path, ready: false });
    expect(outboxSeqs(second)).toEqual([4, 5, 6, 7]);
    const sentBefore = backend.batches.length;
    const report = await rig(second, backend).engine.syncNow();
    const resent = backend.batches.slice(sentBefore);
    expect(resent).toEqual([[4, 5, 6], [7]]);
    expect(resent.flat()).toEqual([4, 5, 6, 7]);
    expect(report).toMatchObject({ ok: true, sent: 4, acknowledgedSeq: 7 });
    expect(outboxSeqs(second)).toEqual([]);
    // The backend holds each record once, chained and identical to what was sold.
    expect(backend.chain).toEqual(sold);
    expect(readAckedHead(dir.path)).toEqual({ seq: 7, hash: sold[6]!.hash });
  });
});

describe('SyncEngine round: outcomes', () => {
  it('applies settlement outcomes to records and keeps the cursor across a restart', async () => {
    const h = harness();
    await sellMany(h, 3);
    const [one, two] = localJournal(h);
    const backend = new FakeBackend(h.time);
    const at = FIXTURE_NOW * 1000 + 5;
    backend.behaviour.outcomes = (after) =>
      after === '0'
        ? {
            outcomes: [
              { id: one!.id, outcome: 'settled', at },
              { id: two!.id, outcome: 'duplicate_token', at },
            ],
            cursor: '2',
          }
        : { outcomes: [], cursor: after };
    const { engine } = rig(h, backend);
    expect(await engine.syncNow()).toMatchObject({ ok: true, outcomes: 2 });
    expect((await history(h)).map((record) => record.outcome)).toEqual(['settled', 'duplicate_token', null]);
    expect(backend.callsOf('outcomes').map(([after]) => after)).toEqual(['0', '2']);

    h.restart();
    expect((await history(h)).map((record) => record.outcome)).toEqual(['settled', 'duplicate_token', null]);
    const before = backend.callsOf('outcomes').length;
    expect(await rig(h, backend).engine.syncNow()).toMatchObject({ ok: true, outcomes: 0 });
    expect(backend.callsOf('outcomes').slice(before).map(([after]) => after)).toEqual(['2']);
  });
});

describe('SyncEngine scheduling', () => {
  it('backs off with full jitter up to backoffMaxMs while offline, and resets after a success', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time).unreachable('time');
    const randoms = [0.5, 0.25, 0.75, 0.999, 0.5, 0.1, 0.5];
    const { engine, timers } = rig(h, backend, {
      backoffBaseMs: 1_000,
      backoffMaxMs: 8_000,
      random: () => {
        const next = randoms.shift();
        if (next === undefined) throw new Error('random called more often than scripted');
        return next;
      },
    });
    engine.start();
    expect(timers.pending).toEqual([0]);
    const offlineAt = Math.floor(h.time.wall / 1000);
    for (let round = 0; round < 6; round++) {
      h.time.advance(await timers.fireAndSettle());
      expect((await status(h)).offlineSince).toBe(offlineAt);
    }
    // Ceilings 1 s, 2 s, 4 s, 8 s, 8 s, 8 s; each delay is random × ceiling.
    expect(timers.scheduled).toEqual([0, 500, 500, 3_000, 7_992, 4_000, 800]);

    backend.behaviour.time = () => h.time.wall;
    await timers.fireAndSettle();
    expect(timers.scheduled.at(-1)).toBe(15_000);
    expect((await status(h)).offlineSince).toBeNull();

    backend.unreachable('time');
    await timers.fireAndSettle();
    expect(timers.scheduled.at(-1)).toBe(500);
    expect(randoms).toEqual([]);
  });

  it('nudge() runs a round at once only while online and running', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time).unreachable('time');
    const { engine, timers } = rig(h, backend, { random: () => 0.5 });
    engine.start();
    await timers.fireAndSettle();
    expect(timers.pending).toEqual([500]);
    engine.nudge();
    expect(timers.pending).toEqual([500]);

    backend.behaviour.time = () => h.time.wall;
    await timers.fireAndSettle();
    expect(timers.pending).toEqual([15_000]);
    engine.nudge();
    expect(timers.pending).toEqual([0]);
    await timers.fireAndSettle();
    expect(timers.pending).toEqual([15_000]);

    h.time.advance(ONLINE_WINDOW_MS + 1);
    engine.nudge();
    expect(timers.pending).toEqual([15_000]);

    await engine.stop();
    engine.nudge();
    expect(timers.pending).toEqual([]);
  });

  it('schedules the next round at once while the outbox still holds records', async () => {
    const h = harness();
    await sellMany(h, 2);
    const backend = new FakeBackend(h.time);
    backend.once('journal', (records) => backend.store(records.slice(0, 1)));
    const { engine, timers } = rig(h, backend);
    engine.start();
    await timers.fireAndSettle();
    expect(outboxSeqs(h)).toEqual([2]);
    expect(timers.pending).toEqual([0]);
    await timers.fireAndSettle();
    expect(outboxSeqs(h)).toEqual([]);
    expect(timers.pending).toEqual([15_000]);
  });
});

describe('SyncEngine as the online authorizer', () => {
  it('answers null on a BackendError so the core decides offline, and goes offline 60 s after the last answer', async () => {
    let engine: SyncEngine | null = null;
    const authorizer: OnlineAuthorizer = {
      isOnline: () => engine?.isOnline() ?? false,
      authorize: (request) => engine!.authorize(request),
    };
    const h = harness({ authorizer });
    const backend = new FakeBackend(h.time);
    engine = rig(h, backend).engine;
    const phone = h.wallet();
    expect(engine.isOnline()).toBe(false);
    await engine.syncNow();
    expect(engine.isOnline()).toBe(true);

    const timeout = (): never => {
      throw new BackendError('timeout', 'no answer from http://backend.test within 1500 ms');
    };
    backend.once('authorize', timeout).once('authorize', timeout);
    const request = { saleId: '0190f5a8-0000-7000-8000-000000000001', token: phone.mint(), amount: 100, currency: 392 };
    expect(await engine.authorize(request)).toBeNull();
    await sell(h, phone);
    expect((await history(h)).at(-1)).toMatchObject({ decision: 'approved', mode: 'offline' });

    backend.once('authorize', () => ({ authorization: 'auth-7', decision: 'declined', reason: 'insufficient_funds' }));
    await sell(h, phone);
    expect((await history(h)).at(-1)).toMatchObject({ decision: 'declined', reason: 'insufficient_funds', mode: 'online' });
    expect(backend.callsOf('authorize')).toHaveLength(3);

    h.time.advance(ONLINE_WINDOW_MS);
    expect(engine.isOnline()).toBe(true);
    h.time.advance(1);
    expect(engine.isOnline()).toBe(false);
    expect((await status(h)).online).toBe(false);
    await sell(h, phone);
    expect(backend.callsOf('authorize')).toHaveLength(3);
    expect((await history(h)).at(-1)).toMatchObject({ mode: 'offline' });
  });

  it('answers null on an error that is not a BackendError too', async () => {
    const h = harness();
    const backend = new FakeBackend(h.time);
    backend.once('authorize', () => {
      throw new TypeError('fetch failed');
    });
    const { engine, logs } = rig(h, backend);
    const request = { saleId: '0190f5a8-0000-7000-8000-000000000002', token: h.wallet().mint(), amount: 100, currency: 392 };
    expect(await engine.authorize(request)).toBeNull();
    expect(engine.isOnline()).toBe(false);
    expect(logs).toContainEqual({ level: 'warn', message: 'online authorization unavailable; deciding offline' });
  });
});
