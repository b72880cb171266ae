import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain, type JournalRecord } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createCoreHarness, FIXTURE_NOW, type CoreHarness } from '../../../test/helpers/coreHarness.js';

let harness: CoreHarness;
afterEach(() => harness.close());

async function sell(h: CoreHarness, amount: number, text: string): Promise<{ decision: string; reason: string | null; seq: number }> {
  const started = await h.core.startSale({ amount, currency: 392 });
  if (!started.ok) throw new Error(started.error.message);
  const result = await h.core.submitScan({ text, source: 'replay', deviceId: 'test' });
  if (!result.ok) throw new Error(result.error.message);
  if (result.value.kind !== 'decision') throw new Error(`no decision: ${result.value.kind}`);
  return { decision: result.value.record.decision, reason: result.value.record.reason, seq: result.value.record.seq };
}

function journal(h: CoreHarness): JournalRecord[] {
  return h.db
    .prepare<[string], JournalRecord>(
      `SELECT id, ? AS terminalId, seq, kind, created_at AS createdAt, amount, currency, token, decision, reason, ref,
        trust_serial AS trustSerial, authorization, prev_hash AS prevHash, hash, signature FROM journal ORDER BY seq`,
    )
    .all(h.identity.terminalId);
}

describe('terminal core decisions', () => {
  it('approves a valid token, journals it signed and chained, and queues it for sync', async () => {
    harness = createCoreHarness();
    const phone = harness.wallet();
    const result = await sell(harness, 1200, phone.mint());
    expect(result).toEqual({ decision: 'approved', reason: null, seq: 1 });
    const records = journal(harness);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'payment', amount: 1200, currency: 392, decision: 'approved', trustSerial: 42, authorization: null });
    expect(records[0]!.token).toMatch(/^TG1[A-Z2-7]{327}$/);
    expect(verifyChain(nodeEd25519, records, { terminalPublicKey: harness.identity.publicKey })).toMatchObject({ ok: true });
    expect(harness.db.prepare('SELECT seq FROM outbox').all()).toEqual([{ seq: 1 }]);
    const status = await harness.core.status();
    expect(status.ok && status.value.pending).toEqual({ count: 1, amountByCurrency: { '392': 1200 } });
    expect(status.ok && status.value.sale.state).toBe('approved');
  });

  it('declines the same token at a second sale as replayed, even after a restart', async () => {
    harness = createCoreHarness();
    const token = harness.wallet().mint();
    expect((await sell(harness, 100, token)).decision).toBe('approved');
    expect(await sell(harness, 100, token)).toMatchObject({ decision: 'declined', reason: 'replayed' });
    harness.restart();
    expect(await sell(harness, 100, token)).toMatchObject({ decision: 'declined', reason: 'replayed' });
    expect(verifyChain(nodeEd25519, journal(harness), { terminalPublicKey: harness.identity.publicKey })).toMatchObject({ ok: true });
  });

  it('stops a certificate at its cumulative offline limit (check 15)', async () => {
    harness = createCoreHarness();
    const phone = harness.wallet();
    // The fixture certificate: 20,000 per payment, 50,000 cumulative.
    expect((await sell(harness, 20_000, phone.mint())).decision).toBe('approved');
    expect((await sell(harness, 20_000, phone.mint())).decision).toBe('approved');
    expect(await sell(harness, 10_001, phone.mint())).toMatchObject({ decision: 'declined', reason: 'over_offline_total' });
    expect((await sell(harness, 10_000, phone.mint())).decision).toBe('approved');
  });

  it('journals a scan that is not a payment code as declined malformed, without a token', async () => {
    harness = createCoreHarness();
    expect(await sell(harness, 500, '4901234567894')).toMatchObject({ decision: 'declined', reason: 'malformed' });
    expect(journal(harness)[0]).toMatchObject({ token: null, reason: 'malformed' });
  });

  it('stores the canonical token text whatever the decision', async () => {
    harness = createCoreHarness();
    const token = harness.wallet().mint();
    expect(await sell(harness, 30_000, `]Q1${token.toLowerCase()}\r\n`)).toMatchObject({ reason: 'over_payment_limit' });
    expect(journal(harness)[0]!.token).toBe(token);
  });

  it('shows but does not journal a scan when no sale awaits one', async () => {
    harness = createCoreHarness();
    const events: string[] = [];
    harness.core.subscribe((event) => events.push(event.type));
    const result = await harness.core.submitScan({ text: harness.wallet().mint(), source: 'serial', deviceId: 's1' });
    expect(result).toMatchObject({ ok: true, value: { kind: 'no_sale', paymentCode: true } });
    expect(journal(harness)).toHaveLength(0);
    expect(events).toEqual(['scan_received']);
  });

  it('refuses offline approvals before the clock was ever measured (clock_untrusted)', async () => {
    harness = createCoreHarness({ ready: false });
    expect(harness.core.installTrustBundle((await import('../../../test/helpers/coreHarness.js')).fixtureBundle)).toMatchObject({ ok: true });
    harness.core.recordAcknowledgedSync(FIXTURE_NOW);
    const status = await harness.core.status();
    expect(status.ok && status.value.closedGates).toEqual(['clock_untrusted']);
    expect(await sell(harness, 100, harness.wallet().mint())).toMatchObject({ decision: 'declined', reason: 'clock_untrusted' });
  });

  it('reports stage A before any scan, in the order of §4', async () => {
    harness = createCoreHarness({ ready: false });
    const status = await harness.core.status();
    expect(status.ok && status.value.closedGates).toEqual(['terminal_offline_too_long', 'trust_stale', 'clock_untrusted']);
  });

  it('closes offline approvals when the database is behind the acknowledged head (restored backup)', async () => {
    harness = createCoreHarness();
    expect((await sell(harness, 100, harness.wallet().mint())).decision).toBe('approved');
    harness.restart({ ackedHead: { seq: 5, hash: 'a'.repeat(64) } });
    const status = await harness.core.status();
    expect(status.ok && status.value).toMatchObject({ restoredFromBackup: true, closedGates: ['terminal_offline_too_long'] });
    expect(await sell(harness, 100, harness.wallet().mint())).toMatchObject({ decision: 'declined', reason: 'terminal_offline_too_long' });
  });

  it('never lets createdAt go back when the wall clock does', async () => {
    harness = createCoreHarness();
    const phone = harness.wallet();
    await sell(harness, 100, phone.mint());
    const first = journal(harness)[0]!.createdAt;
    harness.restart();
    harness.time.wall -= 10_000; // the wall clock jumps back 10 s across a restart
    await sell(harness, 100, phone.mint());
    const second = journal(harness)[1]!;
    expect(second.createdAt).toBeGreaterThanOrEqual(first);
  });

  it('declines once the clocks disagree by more than skew', async () => {
    harness = createCoreHarness();
    harness.time.wall += 120_000; // someone changed the system time; the monotonic clock did not move
    expect(await sell(harness, 100, harness.wallet().mint())).toMatchObject({ reason: 'clock_untrusted' });
  });

  it('keeps the sale waiting and commits nothing when the disk write fails', async () => {
    harness = createCoreHarness();
    await harness.core.startSale({ amount: 100, currency: 392 });
    harness.db.exec("CREATE TRIGGER fail_insert BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const result = await harness.core.submitScan({ text: harness.wallet().mint(), source: 'replay', deviceId: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect((await harness.core.status()).ok && harness.core.head.seq).toBe(0);
    harness.db.exec('DROP TRIGGER fail_insert');
    const retry = await harness.core.submitScan({ text: harness.wallet().mint(), source: 'replay', deviceId: 'x' });
    expect(retry).toMatchObject({ ok: true, value: { kind: 'decision', record: { seq: 1, decision: 'approved' } } });
  });
});

describe('refunds and voids', () => {
  async function paid(h: CoreHarness, amount: number): Promise<string> {
    await sell(h, amount, h.wallet().mint());
    return journal(h).at(-1)!.id;
  }

  it('refunds up to the original amount, then refuses', async () => {
    harness = createCoreHarness();
    const id = await paid(harness, 1000);
    expect(await harness.core.refund({ paymentId: id, amount: 600 })).toMatchObject({ ok: true, value: { kind: 'refund', amount: 600, ref: id } });
    expect(await harness.core.refund({ paymentId: id, amount: 401 })).toMatchObject({ ok: false, error: { code: 'refund_too_large' } });
    expect(await harness.core.refund({ paymentId: id, amount: 400 })).toMatchObject({ ok: true });
    expect(await harness.core.voidPayment({ paymentId: id })).toMatchObject({ ok: false, error: { code: 'not_refundable' } });
    expect(verifyChain(nodeEd25519, journal(harness), { terminalPublicKey: harness.identity.publicKey })).toMatchObject({ ok: true });
  });

  it('voids once, records the payment amount, and refuses to refund a voided payment', async () => {
    harness = createCoreHarness();
    const id = await paid(harness, 700);
    expect(await harness.core.voidPayment({ paymentId: id })).toMatchObject({ ok: true, value: { kind: 'void', amount: 700, ref: id, decision: 'approved' } });
    expect(await harness.core.voidPayment({ paymentId: id })).toMatchObject({ ok: false, error: { code: 'already_voided' } });
    expect(await harness.core.refund({ paymentId: id, amount: 1 })).toMatchObject({ ok: false, error: { code: 'already_voided' } });
  });

  it('refuses declined and unknown payments', async () => {
    harness = createCoreHarness();
    await sell(harness, 100, 'garbage');
    const declined = journal(harness)[0]!.id;
    expect(await harness.core.refund({ paymentId: declined, amount: 1 })).toMatchObject({ ok: false, error: { code: 'not_refundable' } });
    expect(await harness.core.voidPayment({ paymentId: '0190a0b0-0000-7000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('stage A store limits', () => {
  it('declines with terminal_store_full when the sale would exceed maxStoredAmount', async () => {
    harness = createCoreHarness();
    // The fixture policy stores at most 500,000 unsynced.
    expect(await sell(harness, 500_001, harness.wallet().mint())).toMatchObject({ decision: 'declined', reason: 'terminal_store_full' });
  });
});

describe('scanner reads', () => {
  const frame = (text: string): Uint8Array => new TextEncoder().encode(`${text}\r`);

  it('feeds a framed serial read to the awaiting sale and drops the camera-style repeat', async () => {
    harness = createCoreHarness();
    await harness.core.startSale({ amount: 300, currency: 392 });
    const token = harness.wallet().mint();
    const event = { source: 'serial' as const, deviceId: 's1', receivedAt: harness.time.wall, raw: frame(`]Q1${token}`) };
    expect(await harness.core.acceptScanEvent(event)).toMatchObject({ ok: true, value: { kind: 'decision', record: { decision: 'approved' } } });
    expect(await harness.core.acceptScanEvent({ ...event, receivedAt: event.receivedAt + 200 })).toEqual({ ok: true, value: { kind: 'duplicate' } });
    expect(journal(harness)).toHaveLength(1);
  });

  it('reports binary noise as a scanner problem, never as a sale', async () => {
    harness = createCoreHarness();
    const problems: string[] = [];
    harness.core.subscribe((event) => {
      if (event.type === 'scanner_problem') problems.push(event.problem.code);
    });
    await harness.core.startSale({ amount: 300, currency: 392 });
    const noise = Uint8Array.from([0x00, 0xff, 0x13, 0x41, 0x0d]);
    expect(await harness.core.acceptScanEvent({ source: 'serial', deviceId: 's1', receivedAt: 1, raw: noise })).toBeNull();
    expect(problems.length).toBe(1);
    expect(journal(harness)).toHaveLength(0);
    expect((await harness.core.status()).ok && harness.core.head.seq).toBe(0);
  });

  it('shows a test read to the technician with its bytes, without touching the sale or journal', async () => {
    harness = createCoreHarness();
    await harness.core.startSale({ amount: 300, currency: 392 });
    const pending = harness.core.testScanner({ id: 's1', timeoutMs: 5000 });
    const token = harness.wallet().mint();
    await harness.core.acceptScanEvent({ source: 'serial', deviceId: 's1', receivedAt: 5, raw: frame(token) });
    const result = await pending;
    expect(result).toMatchObject({ ok: true, value: { scannerId: 's1', byteCount: 331, result: { kind: 'text', paymentCode: true } } });
    // A token is a bearer credential: its middle is never shown, even to the technician.
    expect(result.ok && result.value.rawHex).toMatch(/^[0-9a-f]{32}…[0-9a-f]{32}$/);
    const product = harness.core.testScanner({ id: 's1', timeoutMs: 5000 });
    await harness.core.acceptScanEvent({ source: 'serial', deviceId: 's1', receivedAt: 6, raw: frame('4901234567894') });
    expect(await product).toMatchObject({ ok: true, value: { rawHex: '34393031323334353637383934' + '0d', result: { kind: 'text', paymentCode: false } } });
    expect(journal(harness)).toHaveLength(0);
    expect((await harness.core.status()).ok && (await harness.core.status())).toMatchObject({ ok: true, value: { sale: { state: 'awaiting_scan' } } });
  });

  it('times out a test when the scanner sends nothing', async () => {
    harness = createCoreHarness();
    expect(await harness.core.testScanner({ id: 's9', timeoutMs: 100 })).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });
});

describe('online first', () => {
  function authorizer(answer: 'approve' | 'decline' | 'silent', online = { value: true }) {
    const calls: { saleId: string; amount: number }[] = [];
    return {
      online,
      calls,
      isOnline: () => online.value,
      authorize: (request: { saleId: string; token: string; amount: number; currency: number }) => {
        calls.push({ saleId: request.saleId, amount: request.amount });
        if (answer === 'silent') return Promise.resolve(null);
        return Promise.resolve(
          answer === 'approve'
            ? { authorization: 'auth-1', decision: 'approved' as const, reason: null }
            : { authorization: 'auth-2', decision: 'declined' as const, reason: 'insufficient_funds' },
        );
      },
    };
  }

  it('journals the backend decision with its authorization id, and the token cannot pass offline later', async () => {
    const online = authorizer('approve');
    harness = createCoreHarness({ authorizer: online });
    const token = harness.wallet().mint();
    expect(await sell(harness, 800, token)).toMatchObject({ decision: 'approved' });
    expect(journal(harness)[0]).toMatchObject({ authorization: 'auth-1', decision: 'approved' });
    expect(online.calls).toHaveLength(1);
    online.online.value = false;
    expect(await sell(harness, 800, token)).toMatchObject({ decision: 'declined', reason: 'replayed' });
  });

  it('journals an online decline with the backend reason', async () => {
    harness = createCoreHarness({ authorizer: authorizer('decline') });
    expect(await sell(harness, 800, harness.wallet().mint())).toMatchObject({ decision: 'declined', reason: 'insufficient_funds' });
    expect(journal(harness)[0]).toMatchObject({ authorization: 'auth-2' });
  });

  it('decides offline when the backend does not answer in time', async () => {
    const silent = authorizer('silent');
    harness = createCoreHarness({ authorizer: silent });
    expect(await sell(harness, 800, harness.wallet().mint())).toMatchObject({ decision: 'approved' });
    expect(journal(harness)[0]).toMatchObject({ authorization: null });
    expect(silent.calls).toHaveLength(1);
  });

  it('never asks the backend about a scan that is not a payment code', async () => {
    const online = authorizer('approve');
    harness = createCoreHarness({ authorizer: online });
    expect(await sell(harness, 800, 'hello')).toMatchObject({ decision: 'declined', reason: 'malformed' });
    expect(online.calls).toHaveLength(0);
  });
});
