/**
 * A customer's phone against a real (dev-mode) backend: signs up and logs in reading the
 * one-time codes from the dev outbox, binds a fresh device key with a proof of possession,
 * renews its certificate with device-signed requests, tops up with the test card gateway, and
 * mints TG1 tokens offline with a counter persisted before each token is shown.
 */
import { randomBytes } from 'node:crypto';
import {
  apiPath,
  concatBytes,
  customerApi,
  devApi,
  fromBase64url,
  parseApiReply,
  parseCertificate,
  routeKey,
  signRequest,
  toBase64url,
  utf8Encode,
  type ApiReply,
  type ApiRoute,
  type Ed25519,
  type ParsedCertificate,
} from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { createOfflineWallet, DEFAULT_TOKEN_TTL_SECONDS } from './offlineWallet.js';
import { loadWalletState, newWalletState, updateWalletState, type WalletState } from './walletState.js';

export interface WalletSimulatorOptions {
  /** The backend, e.g. http://127.0.0.1:8080; taken from the state file when absent. */
  url?: string;
  stateFile: string;
  fetch?: typeof globalThis.fetch;
  /** Unix ms; the phone's clock. */
  nowMs?: () => number;
  ed25519?: Ed25519;
  randomBytes?: (length: number) => Uint8Array;
  /** How long to wait for a code to appear in the dev outbox. */
  codeTimeoutMs?: number;
}

/**
 * A refusal from the backend (problem+json), an answer that is not what PROTOCOL.md §8 says
 * (code `invalid_response`), or a step taken out of order.
 */
export class WalletError extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly code = 'wallet_error',
  ) {
    super(message);
    this.name = 'WalletError';
  }
}

type OutboxMessage = ApiReply<typeof devApi.outbox>['messages'][number];

/** A member of a problem+json body, when it is a string. */
function problemText(body: unknown, member: 'code' | 'title' | 'detail'): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value: unknown = (body as Record<string, unknown>)[member];
  return typeof value === 'string' ? value : undefined;
}

export interface BoundDevice {
  deviceId: string;
  notBefore: number;
  notAfter: number;
  perPaymentLimit: number;
  cumulativeLimit: number;
}

export type WalletBalance = ApiReply<typeof customerApi.wallet>;

export type TopupResult = Extract<ApiReply<typeof customerApi.topUp>, { status: 'succeeded' }>;

export class WalletSimulator {
  readonly #options: Required<Omit<WalletSimulatorOptions, 'url'>>;
  #state: WalletState;

  constructor(options: WalletSimulatorOptions) {
    const existing = loadWalletState(options.stateFile);
    const url = options.url ?? existing?.backendUrl;
    if (url === undefined) throw new WalletError('no backend URL: pass --url (or TEGATA_URL) once');
    this.#state = existing ?? newWalletState(url);
    this.#state.backendUrl = url.replace(/\/+$/, '');
    this.#options = {
      stateFile: options.stateFile,
      fetch: options.fetch ?? globalThis.fetch,
      nowMs: options.nowMs ?? (() => Date.now()),
      ed25519: options.ed25519 ?? nodeEd25519,
      randomBytes: options.randomBytes ?? ((n) => new Uint8Array(randomBytes(n))),
      codeTimeoutMs: options.codeTimeoutMs ?? 5000,
    };
  }

  get state(): Readonly<WalletState> {
    return this.#state;
  }

  /**
   * Changes the state file under its cross-process lock: the newest state is read, changed and
   * saved, so the wallet page and the CLI (or two CLIs) sharing one file never lose each other's
   * changes or hand out one counter twice.
   */
  #update<T>(mutate: (state: WalletState) => T): T {
    const backendUrl = this.#state.backendUrl;
    const { state, result } = updateWalletState(
      this.#options.stateFile,
      () => newWalletState(backendUrl),
      (fresh) => {
        fresh.backendUrl = backendUrl;
        return mutate(fresh);
      },
    );
    this.#state = state;
    return result;
  }

  /**
   * Calls one route of the API contract and validates the answer with the contract's schema for
   * its status: every reply the simulator uses has been checked.
   */
  async #request<R extends ApiRoute>(
    route: R,
    options: { params?: Record<string, string>; query?: string; body?: unknown; token?: string; device?: boolean } = {},
  ): Promise<{ status: number; body: ApiReply<R> }> {
    const method = route.method;
    const target = `${apiPath(route.path, options.params)}${options.query ?? ''}`;
    const text = options.body === undefined ? '' : JSON.stringify(options.body);
    const headers: Record<string, string> = text === '' ? {} : { 'content-type': 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.device === true) {
      const device = this.#requireDevice();
      Object.assign(
        headers,
        signRequest(this.#options.ed25519, fromBase64url(device.seed) ?? new Uint8Array(), 'device', {
          method,
          target,
          timestampMs: this.#options.nowMs(),
          principalId: device.deviceId,
          body: utf8Encode(text),
        }),
      );
    }
    const response = await this.#options.fetch(`${this.#state.backendUrl}${target}`, { method, headers, ...(text === '' ? {} : { body: text }) });
    const raw = await response.text();
    let body: unknown = {};
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new WalletError(`${method} ${target} → ${response.status}: the answer is not JSON`, response.status, 'invalid_response');
      }
    }
    if (!response.ok) {
      const code = problemText(body, 'code');
      const reason = [problemText(body, 'title'), problemText(body, 'detail')].filter((part) => part !== undefined).join(': ');
      throw new WalletError(`${method} ${target} → ${response.status} ${code ?? ''} ${reason}`.trim(), response.status, code ?? 'http_error');
    }
    const reply = parseApiReply(route, response.status, raw === '' ? undefined : body);
    if (!reply.ok) {
      throw new WalletError(`${method} ${target} → ${response.status}: the answer is not what PROTOCOL.md §8 says (${reply.problem})`, response.status, 'invalid_response');
    }
    return { status: response.status, body: reply.body };
  }

  async #outbox(to: string): Promise<OutboxMessage[]> {
    const reply = await this.#request(devApi.outbox, { query: `?to=${encodeURIComponent(to)}` });
    return reply.body.messages;
  }

  /** Runs `send`, then waits for a new message with a code for `to` in the dev outbox. */
  async #withCode<T>(to: string, send: () => Promise<T>): Promise<{ result: T; code: string }> {
    const seen = new Set((await this.#outbox(to)).map((m) => JSON.stringify(m)));
    const result = await send();
    const deadline = Date.now() + this.#options.codeTimeoutMs;
    for (;;) {
      for (const message of await this.#outbox(to)) {
        if (seen.has(JSON.stringify(message))) continue;
        const code = /\b([0-9]{6})\b/.exec(message.text)?.[1];
        if (code !== undefined) return { result, code };
      }
      if (Date.now() > deadline) throw new WalletError(`no code arrived for ${to} (is the backend in dev mode? was a send limit reached?)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async signup(input: { phone: string; email: string; password: string }): Promise<{ accountId: string }> {
    const smsSeen = new Set((await this.#outbox(input.phone)).map((m) => JSON.stringify(m)));
    const { code: emailCode } = await this.#withCode(input.email, () => this.#request(customerApi.signUp, { body: input }));
    const smsCode = (await this.#outbox(input.phone))
      .filter((m) => !smsSeen.has(JSON.stringify(m)))
      .map((m) => /\b([0-9]{6})\b/.exec(m.text)?.[1])
      .find((code) => code !== undefined);
    if (smsCode === undefined) throw new WalletError(`no sign-up code arrived for ${input.phone} (does the number already have an account?)`);
    const verified = await this.#request(customerApi.verifySignUp, { body: { phone: input.phone, smsCode, emailCode } });
    this.#update((state) => Object.assign(state, { phone: input.phone, email: input.email, password: input.password, accountId: verified.body.accountId }));
    return verified.body;
  }

  async login(options: { channel?: 'sms' | 'email'; password?: string } = {}): Promise<{ scope: string; expiresAt: number }> {
    const { phone, email } = this.#state;
    const password = options.password ?? this.#state.password;
    if (phone === undefined || email === undefined || password === undefined) throw new WalletError('sign up first (or give --password)');
    const channel = options.channel ?? 'sms';
    const { result, code } = await this.#withCode(channel === 'sms' ? phone : email, () =>
      this.#request(customerApi.logIn, { body: { login: phone, password, channel } }),
    );
    if (!('challengeId' in result.body)) {
      throw new WalletError(`${routeKey(customerApi.logIn)} → ${result.status}: a session without a second factor, for a request no phone signed`, result.status, 'invalid_response');
    }
    const session = await this.#request(customerApi.verifyLogin, {
      body: { challengeId: result.body.challengeId, code },
    });
    this.#update((state) => {
      state.session = { token: session.body.sessionToken, expiresAt: session.body.expiresAt, scope: session.body.scope };
      if (options.password !== undefined) state.password = options.password;
    });
    return { scope: session.body.scope, expiresAt: session.body.expiresAt };
  }

  /**
   * Binds a new device key; logs in by SMS first. The account's first phone needs nothing
   * more; a replacement is signed by the phone in the state file (it must have been bound for
   * the hold, 48 h by default), or — `withoutPhone`, the old one lost — carries an e-mail code
   * read from the dev outbox, and then waits for the hold before it can pay (issue 17).
   */
  async bind(options: { name?: string; withoutPhone?: boolean } = {}): Promise<BoundDevice & { status: string; pendingUntil: number | null }> {
    await this.login();
    const token = this.#state.session?.token ?? '';
    const seed = this.#options.randomBytes(32);
    const publicKey = this.#options.ed25519.publicKeyFromSeed(seed);
    const proof = this.#options.ed25519.sign(seed, concatBytes(utf8Encode('tegata/bind/v1'), utf8Encode(token)));
    const name = options.name ?? 'tegata-wallet simulator';
    let emailCode: string | undefined;
    if (options.withoutPhone === true) {
      const email = this.#state.email;
      if (email === undefined) throw new WalletError('sign up first');
      emailCode = (await this.#withCode(email, () => this.#request(customerApi.sendStepUpCode, { token, body: { action: 'bind' } }))).code;
    }
    const signed = emailCode === undefined && this.#state.device !== undefined;
    const bound = await this.#request(customerApi.bindDevice, {
      token,
      device: signed,
      body: { publicKey: toBase64url(publicKey), name, proof: toBase64url(proof), ...(emailCode === undefined ? {} : { emailCode }) },
    });
    this.#update((state) => {
      state.device = { deviceId: bound.body.deviceId, seed: toBase64url(seed), certificate: bound.body.certificate, name };
      state.nextCounter = 1; // a new device id: its counters start again
    });
    return { ...this.#boundView(bound.body), status: bound.body.status, pendingUntil: bound.body.pendingUntil };
  }

  async renew(): Promise<BoundDevice> {
    const device = this.#requireDevice();
    const renewed = await this.#request(customerApi.renewCertificate, { params: { deviceId: device.deviceId }, device: true });
    this.#update((state) => {
      if (state.device?.deviceId === device.deviceId) state.device.certificate = renewed.body.certificate;
    });
    return this.#boundView({ ...renewed.body, deviceId: device.deviceId });
  }

  #boundView(body: BoundDevice): BoundDevice {
    return { deviceId: body.deviceId, notBefore: body.notBefore, notAfter: body.notAfter, perPaymentLimit: body.perPaymentLimit, cumulativeLimit: body.cumulativeLimit };
  }

  /** The balance, with the session if it is alive, else signed by the device. */
  async balance(): Promise<WalletBalance> {
    const session = this.#state.session;
    if (session !== undefined && session.expiresAt > this.#options.nowMs()) {
      try {
        return (await this.#request(customerApi.wallet, { token: session.token })).body;
      } catch (error) {
        if (!(error instanceof WalletError && error.status === 401) || this.#state.device === undefined) throw error;
      }
    }
    if (this.#state.device === undefined) throw new WalletError('log in or bind a phone first');
    return (await this.#request(customerApi.wallet, { device: true })).body;
  }

  /**
   * A card top-up; when the issuer asks for 3-D Secure, answers with `answer` (the test
   * gateway's passing answer by default).
   */
  async topup(amount: number, options: { card?: string; answer?: string } = {}): Promise<TopupResult> {
    let token = this.#state.session?.token;
    if (token === undefined || this.#state.session?.scope !== 'full') {
      await this.login();
      token = this.#state.session?.token;
    }
    const call = () => this.#request(customerApi.topUp, {
      token,
      body: { amount, cardToken: options.card ?? 'tok_test_3ds' },
    });
    let started;
    try {
      started = await call();
    } catch (error) {
      if (!(error instanceof WalletError && error.status === 401)) throw error;
      await this.login();
      token = this.#state.session?.token;
      started = await call();
    }
    if (started.body.status === 'succeeded') return started.body;
    const answered = await this.#request(customerApi.answerTopupChallenge, {
      params: { id: started.body.topupId },
      token,
      body: { response: options.answer ?? '424242' },
    });
    if (answered.body.status !== 'succeeded') {
      throw new WalletError(`${routeKey(customerApi.answerTopupChallenge)} → ${answered.status}: a credited top-up was expected`, answered.status, 'invalid_response');
    }
    return answered.body;
  }

  get certificate(): ParsedCertificate {
    return parseCertificate(fromBase64url(this.#requireDevice().certificate) ?? new Uint8Array());
  }

  /**
   * A TG1 token; its counter is taken from the state file under the lock and saved as used
   * before the token is returned (whoever else mints from the same file gets the next one).
   */
  token(options: { ttl?: number } = {}): { token: string; counter: number; issuedAt: number } {
    this.#requireDevice();
    const { device, counter } = this.#update((state) => {
      if (state.device === undefined) throw new WalletError('no phone is bound: run `tegata-wallet bind` first');
      const taken = state.nextCounter;
      state.nextCounter = taken + 1;
      return { device: state.device, counter: taken };
    });
    const issuedAt = Math.floor(this.#options.nowMs() / 1000);
    const wallet = createOfflineWallet({
      ed25519: this.#options.ed25519,
      keys: { deviceSeed: fromBase64url(device.seed) ?? new Uint8Array(), certificate: fromBase64url(device.certificate) ?? new Uint8Array() },
      now: () => issuedAt,
      firstCounter: counter,
    });
    return { token: wallet.mint({ ttl: options.ttl ?? DEFAULT_TOKEN_TTL_SECONDS }), counter, issuedAt };
  }

  #requireDevice(): NonNullable<WalletState['device']> {
    const device = this.#state.device;
    if (device === undefined) throw new WalletError('no phone is bound: run `tegata-wallet bind` first');
    return device;
  }
}
