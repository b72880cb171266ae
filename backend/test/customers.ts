/**
 * Customers driven through the real wallet routes, as the wallet simulator does: sign up with
 * the codes read from the dev outbox, log in with the SMS (or e-mail) code, bind a phone key.
 */
import { randomBytes } from 'node:crypto';
import { signRequest, toBase64url, utf8Encode } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import type { TestBackend } from './harness.js';

const ed = nodeEd25519;

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

let serial = 0;

/** A phone number and e-mail address no other test uses. */
export function freshContacts(label = 'c'): { phone: string; email: string } {
  serial++;
  const digits = `${process.pid % 1000}`.padStart(3, '0') + `${serial}`.padStart(5, '0');
  return { phone: `+8190${digits}`, email: `${label}${serial}.${process.pid}@example.test` };
}

export const GOOD_PASSWORD = 'correct horse battery staple';

let clientIp: string | undefined;

/**
 * Requests after this come from `ip` (X-Forwarded-For; the backend must trust the proxy), so a
 * test's failures do not hold back the next test's customers.
 */
export function useClientIp(ip: string | undefined): void {
  clientIp = ip;
}

export async function call<T = Record<string, unknown>>(
  t: TestBackend,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...(clientIp === undefined ? {} : { 'x-forwarded-for': clientIp }), ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await t.request(method, path, { ...(options.body === undefined ? {} : { body: options.body }), headers });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T, headers: response.headers };
}

export interface OutboxMessage {
  channel: 'sms' | 'email';
  to: string;
  text: string;
  createdAt: number;
}

export async function outbox(t: TestBackend, to: string): Promise<OutboxMessage[]> {
  const reply = await call<{ messages: OutboxMessage[] }>(t, 'GET', `/v1/dev/outbox?to=${encodeURIComponent(to)}`);
  return reply.body.messages;
}

/** The newest code sent to `to`. */
export async function latestCode(t: TestBackend, to: string): Promise<string> {
  for (const message of await outbox(t, to)) {
    const code = /\b([0-9]{6})\b/.exec(message.text)?.[1];
    if (code !== undefined) return code;
  }
  throw new Error(`no code was sent to ${to}`);
}

export interface SignedUp {
  accountId: string;
  phone: string;
  email: string;
  password: string;
}

export async function signUp(t: TestBackend, contacts = freshContacts(), password = GOOD_PASSWORD): Promise<SignedUp> {
  const started = await call(t, 'POST', '/v1/accounts', { body: { ...contacts, password } });
  if (started.status !== 202) throw new Error(`sign-up: ${started.status} ${JSON.stringify(started.body)}`);
  const verified = await call<{ accountId: string }>(t, 'POST', '/v1/accounts/verify', {
    body: { phone: contacts.phone, smsCode: await latestCode(t, contacts.phone), emailCode: await latestCode(t, contacts.email) },
  });
  if (verified.status !== 201) throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return { accountId: verified.body.accountId, ...contacts, password };
}

export interface Grant {
  sessionToken: string;
  expiresAt: number;
  scope: 'full' | 'restricted';
}

export async function logIn(t: TestBackend, who: { phone: string; email: string; password: string }, channel: 'sms' | 'email' = 'sms'): Promise<Grant> {
  const started = await call<{ challengeId: string }>(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password, channel } });
  if (started.status !== 200) throw new Error(`login: ${started.status} ${JSON.stringify(started.body)}`);
  const code = await latestCode(t, channel === 'sms' ? who.phone : who.email);
  const verified = await call<Grant>(t, 'POST', '/v1/sessions/verify', { body: { challengeId: started.body.challengeId, code } });
  if (verified.status !== 200) throw new Error(`login verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return verified.body;
}

/** A phone's key pair, able to sign binding proofs and device requests. */
export class PhoneKey {
  readonly seed = new Uint8Array(randomBytes(32));
  readonly publicKey = ed.publicKeyFromSeed(this.seed);
  deviceId = '';

  proof(sessionToken: string): string {
    return toBase64url(ed.sign(this.seed, new Uint8Array([...utf8Encode('tegata/bind/v1'), ...utf8Encode(sessionToken)])));
  }

  /** Headers of a device-signed request (PROTOCOL.md §6). */
  sign(t: TestBackend, method: string, target: string, body: string, timestampMs = t.clock.nowMs()): Record<string, string> {
    return signRequest(ed, this.seed, 'device', { method, target, timestampMs, principalId: this.deviceId, body: utf8Encode(body) });
  }

  async signed<T = Record<string, unknown>>(t: TestBackend, method: string, target: string, body?: unknown): Promise<JsonResponse<T>> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      ...this.sign(t, method, target, text),
      ...(text === '' ? {} : { 'content-type': 'application/json' }),
      ...(clientIp === undefined ? {} : { 'x-forwarded-for': clientIp }),
    };
    const response = await fetch(`${t.url}${target}`, { method, headers, ...(text === '' ? {} : { body: text }) });
    const raw = await response.text();
    return { status: response.status, body: (raw === '' ? {} : JSON.parse(raw)) as T, headers: response.headers };
  }
}

export interface Bound {
  deviceId: string;
  certificate: string;
  notBefore: number;
  notAfter: number;
  perPaymentLimit: number;
  cumulativeLimit: number;
}

/** Binds `key` with a fresh SMS login; sets key.deviceId. */
export async function bindPhone(t: TestBackend, who: SignedUp, key = new PhoneKey(), name = 'my phone'): Promise<{ key: PhoneKey; bound: Bound; grant: Grant }> {
  const grant = await logIn(t, who);
  const reply = await call<Bound>(t, 'POST', '/v1/devices', {
    token: grant.sessionToken,
    body: { publicKey: toBase64url(key.publicKey), name, proof: key.proof(grant.sessionToken) },
  });
  if (reply.status !== 201) throw new Error(`bind: ${reply.status} ${JSON.stringify(reply.body)}`);
  key.deviceId = reply.body.deviceId;
  return { key, bound: reply.body, grant };
}

/** A request with both a session bearer token and `signer`'s device signature (PROTOCOL.md §6). */
export async function callSignedWithSession<T = Record<string, unknown>>(
  t: TestBackend,
  signer: PhoneKey,
  method: string,
  target: string,
  token: string,
  body: unknown,
): Promise<JsonResponse<T>> {
  const text = JSON.stringify(body);
  const headers = {
    ...signer.sign(t, method, target, text),
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
    ...(clientIp === undefined ? {} : { 'x-forwarded-for': clientIp }),
  };
  const response = await fetch(`${t.url}${target}`, { method, headers, body: text });
  const raw = await response.text();
  return { status: response.status, body: (raw === '' ? {} : JSON.parse(raw)) as T, headers: response.headers };
}

export interface BindReply extends Bound {
  status: 'active' | 'pending';
  pendingUntil: number | null;
  code?: string;
}

/**
 * One bind attempt from a fresh SMS login, the ways issue 17 allows: `signer` (the bound phone
 * signs the request), `email` (an e-mail code the session asked for), or neither (SMS alone).
 */
export async function tryBind(
  t: TestBackend,
  who: { phone: string; email: string; password: string },
  options: { key?: PhoneKey; name?: string; signer?: PhoneKey; email?: boolean; grant?: Grant } = {},
): Promise<{ key: PhoneKey; reply: JsonResponse<BindReply>; grant: Grant }> {
  const key = options.key ?? new PhoneKey();
  const grant = options.grant ?? (await logIn(t, who));
  let emailCode: string | undefined;
  if (options.email === true) {
    const asked = await call(t, 'POST', '/v1/account/email-code', { token: grant.sessionToken, body: { action: 'bind' } });
    if (asked.status !== 202) throw new Error(`email code: ${asked.status} ${JSON.stringify(asked.body)}`);
    emailCode = await latestCode(t, who.email);
  }
  const body = { publicKey: toBase64url(key.publicKey), name: options.name ?? 'my phone', proof: key.proof(grant.sessionToken), ...(emailCode === undefined ? {} : { emailCode }) };
  const reply =
    options.signer === undefined
      ? await call<BindReply>(t, 'POST', '/v1/devices', { token: grant.sessionToken, body })
      : await callSignedWithSession<BindReply>(t, options.signer, 'POST', '/v1/devices', grant.sessionToken, body);
  if (reply.status === 201) key.deviceId = reply.body.deviceId;
  return { key, reply, grant };
}

/** Moves a phone's binding back in time (rather than the clock, which would outlive the keys). */
export async function ageDevice(t: TestBackend, deviceId: string, ms: number): Promise<void> {
  const row = await t.backend.db.kysely.selectFrom('devices').select('bound_at').where('id', '=', deviceId).executeTakeFirstOrThrow();
  await t.backend.db.kysely.updateTable('devices').set({ bound_at: row.bound_at - ms }).where('id', '=', deviceId).execute();
}
