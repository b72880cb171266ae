/**
 * The parties of an integration test, built from the protocol package only (as a real
 * register or phone would be): a terminal that enrolls, signs requests and keeps a journal
 * chain; a customer with a funded wallet and a bound phone that mints tokens offline.
 */
import { randomBytes } from 'node:crypto';
import {
  GENESIS_HASH,
  sealRecord,
  signRequest,
  toBase64url,
  utf8Encode,
  verifyTrustBundle,
  fromBase64url,
  type JournalRecord,
  type SignedTrustBundle,
  type TrustBundleDocument,
  type UnsignedJournalRecord,
} from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, type OfflineWallet } from '@tegata/hardware-mocks';
import { uuidv7 } from '../src/runtime/ids.js';
import type { TestBackend } from './harness.js';

const ed = nodeEd25519;

export interface SignedResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function createStore(t: TestBackend, name = 'Test store'): Promise<string> {
  return (await t.admin<{ id: string }>('POST', '/v1/admin/stores', { name })).id;
}

export async function enrollmentCode(t: TestBackend, storeId: string): Promise<{ code: string; rootFingerprint: string }> {
  return t.admin('POST', `/v1/admin/stores/${storeId}/enrollment-codes`);
}

export class TestTerminal {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  id = '';
  storeId = '';
  rootPublicKey: Uint8Array = new Uint8Array(0);
  trust: TrustBundleDocument | null = null;
  head = { seq: 0, hash: GENESIS_HASH, createdAt: 0 };

  constructor(
    readonly t: TestBackend,
    seed: Uint8Array = new Uint8Array(randomBytes(32)),
  ) {
    this.seed = seed;
    this.publicKey = ed.publicKeyFromSeed(seed);
  }

  static async enrolled(t: TestBackend, storeId?: string): Promise<TestTerminal> {
    const terminal = new TestTerminal(t);
    const store = storeId ?? (await createStore(t));
    const { code } = await enrollmentCode(t, store);
    const response = await terminal.enroll(code);
    if (response.status !== 201) throw new Error(`enrollment failed: ${response.status} ${JSON.stringify(response.body)}`);
    return terminal;
  }

  async enroll(code: string, name = 'till 1'): Promise<SignedResponse> {
    const response = await this.t.request('POST', '/v1/terminals/enroll', {
      body: { code, publicKey: toBase64url(this.publicKey), name },
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status === 201) {
      this.id = body.terminalId as string;
      this.storeId = body.storeId as string;
      this.rootPublicKey = fromBase64url(body.rootPublicKey as string) ?? new Uint8Array(0);
      this.acceptBundle(body.trust as SignedTrustBundle);
    }
    return { status: response.status, body, headers: response.headers };
  }

  acceptBundle(signed: SignedTrustBundle): TrustBundleDocument {
    const verified = verifyTrustBundle(ed, signed, [this.rootPublicKey]);
    if (!verified.ok) throw new Error(`bad trust bundle: ${verified.detail}`);
    this.trust = verified.bundle.document;
    return verified.bundle.document;
  }

  /** Sends a request signed per PROTOCOL.md §6; `timestampMs` defaults to the test clock. */
  async signed<T = unknown>(
    method: string,
    target: string,
    options: { body?: unknown; rawBody?: string; timestampMs?: number; headers?: Record<string, string> } = {},
  ): Promise<SignedResponse<T>> {
    const text = options.rawBody ?? (options.body === undefined ? '' : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...signRequest(ed, this.seed, 'terminal', {
        method,
        target,
        timestampMs: options.timestampMs ?? this.t.clock.nowMs(),
        principalId: this.id,
        body: utf8Encode(text),
      }),
      ...(text === '' ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    const response = await fetch(`${this.t.url}${target}`, { method, headers, ...(text === '' ? {} : { body: text }) });
    const responseText = await response.text();
    return {
      status: response.status,
      body: (responseText === '' ? undefined : JSON.parse(responseText)) as T,
      headers: response.headers,
    };
  }

  async refreshTrust(): Promise<TrustBundleDocument> {
    const serial = this.trust?.serial ?? 0;
    const response = await this.signed<SignedTrustBundle>('GET', `/v1/terminal/trust?serial=${serial}`);
    if (response.status === 204 && this.trust !== null) return this.trust;
    if (response.status !== 200) throw new Error(`trust refresh failed: ${response.status}`);
    return this.acceptBundle(response.body);
  }

  /** The next record of this terminal's chain (not sent). */
  record(fields: Partial<Omit<UnsignedJournalRecord, 'terminalId' | 'seq' | 'prevHash'>> = {}): JournalRecord {
    const createdAt = Math.max(fields.createdAt ?? this.t.clock.nowMs(), this.head.createdAt);
    const unsigned: UnsignedJournalRecord = {
      id: uuidv7({ nowMs: () => createdAt }, { bytes: (n) => new Uint8Array(randomBytes(n)) }),
      kind: 'payment',
      amount: 100,
      currency: 392,
      token: null,
      decision: 'approved',
      reason: null,
      ref: null,
      trustSerial: this.trust?.serial ?? 0,
      authorization: null,
      ...fields,
      createdAt,
      terminalId: this.id,
      seq: this.head.seq + 1,
      prevHash: this.head.hash,
    };
    const sealed = sealRecord(ed, this.seed, unsigned);
    this.head = { seq: sealed.seq, hash: sealed.hash, createdAt: sealed.createdAt };
    return sealed;
  }

  payment(token: string, amount: number, extra: Partial<UnsignedJournalRecord> = {}): JournalRecord {
    return this.record({ kind: 'payment', token, amount, decision: 'approved', ...extra });
  }

  async sendJournal(records: readonly unknown[]): Promise<SignedResponse<JournalReply>> {
    return this.signed<JournalReply>('POST', '/v1/terminal/journal', { body: { records } });
  }

  /** Asks the backend to authorize `amount` online with a fresh token of a bound phone (its seed and base64url certificate). */
  async authorizeOnline(phone: { seed: Uint8Array; certificate: string }, amount: number): Promise<{ decision: string; reason?: string }> {
    const wallet = createOfflineWallet({
      ed25519: ed,
      keys: { deviceSeed: phone.seed, certificate: fromBase64url(phone.certificate) ?? new Uint8Array() },
      now: () => this.t.clock.nowS(),
    });
    const reply = await this.signed<{ decision: string; reason?: string }>('POST', '/v1/terminal/authorize', {
      body: { saleId: uuidv7(this.t.backend.context.clock, this.t.backend.context.random), token: wallet.mint(), amount, currency: 392 },
    });
    return reply.body;
  }
}

export interface JournalReply {
  results: { id: string; status: 'accepted' | 'duplicate' | 'rejected'; code?: string }[];
  head: { seq: number; hash: string };
}

export interface TestCustomer {
  accountId: string;
  walletId: string;
  deviceId: string;
  phone: OfflineWallet;
}

/** An account funded with `balance`, with a bound phone whose certificate our issuer signed. */
export async function createCustomer(t: TestBackend, balance: number): Promise<TestCustomer> {
  const { accountId, walletId } = await t.admin<{ accountId: string; walletId: string }>('POST', '/v1/dev/accounts');
  if (balance > 0) await t.admin('POST', `/v1/admin/accounts/${accountId}/credit`, { amount: balance });
  const deviceSeed = new Uint8Array(randomBytes(32));
  const bound = await t.admin<{ deviceId: string; certificate: string }>('POST', `/v1/dev/accounts/${accountId}/devices`, {
    publicKey: toBase64url(ed.publicKeyFromSeed(deviceSeed)),
  });
  const phone = createOfflineWallet({
    ed25519: ed,
    keys: { deviceSeed, certificate: fromBase64url(bound.certificate) ?? new Uint8Array(0) },
    now: () => t.clock.nowS(),
  });
  return { accountId, walletId, deviceId: bound.deviceId, phone };
}

export async function walletBalance(t: TestBackend, accountId: string): Promise<number> {
  return (await t.admin<{ balance: number }>('GET', `/v1/dev/accounts/${accountId}/wallet`)).balance;
}

export { uuidv7 };
