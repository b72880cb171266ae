import {
  signRequest,
  terminalApi,
  utf8Encode,
  type AuthorizeReply,
  type Ed25519,
  type EnrollReply,
  type JournalRecord,
  type JournalReply,
  type OutcomesReply,
  type SignedTrustBundle,
} from '@tegata/protocol';
import type { z } from 'zod';

export type { JournalReply } from '@tegata/protocol';

/** Why a call to the backend did not give an answer we can use. */
export class BackendError extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'http' | 'invalid_response',
    message: string,
    readonly status: number | null = null,
    /** The problem's stable `code` (RFC 9457 body), when the backend sent one. */
    readonly code: string | null = null,
    /** Server time from a `timestamp_out_of_window` problem, to correct the clock. */
    readonly serverTimeMs: number | null = null,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface TerminalCredentials {
  terminalId: string;
  seed: Uint8Array;
}

export interface BackendClientOptions {
  baseUrl: string;
  ed25519: Ed25519;
  /** The register's corrected clock, ms: request timestamps must be within 300 s of the backend's. */
  nowMs: () => number;
  credentials?: TerminalCredentials;
  fetch?: typeof fetch;
}

/**
 * The terminal's side of PROTOCOL.md §8: every call has a timeout, every request after
 * enrollment is signed (§6), every answer is validated before it is believed.
 */
export class BackendClient {
  readonly #fetch: typeof fetch;
  /** Aborted by `abort()`: every call in flight gives up at once (shutdown). */
  #stop = new AbortController();

  constructor(private readonly options: BackendClientOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  /** Ends every request in flight now (they fail as `network`); later calls work again. */
  abort(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async time(timeoutMs: number): Promise<number> {
    const { time } = terminalApi;
    const reply = await this.#call(time.method, time.path, undefined, timeoutMs, false);
    return this.#parse(time.responses[200], reply.body).now;
  }

  async enroll(input: { code: string; publicKey: string; name: string }, timeoutMs: number): Promise<EnrollReply> {
    const { enroll } = terminalApi;
    const reply = await this.#call(enroll.method, enroll.path, input, timeoutMs, false);
    return this.#parse(enroll.responses[201], reply.body);
  }

  /** The newer trust bundle, or null when `serial` is current (204). */
  async trust(serial: number | null, timeoutMs: number): Promise<SignedTrustBundle | null> {
    const { trust } = terminalApi;
    const reply = await this.#call(trust.method, `${trust.path}${serial === null ? '' : `?serial=${serial}`}`, undefined, timeoutMs, true);
    return reply.status === 204 ? null : this.#parse(trust.responses[200], reply.body);
  }

  async authorize(input: { saleId: string; token: string; amount: number; currency: number }, timeoutMs: number): Promise<AuthorizeReply> {
    const { authorize } = terminalApi;
    const reply = await this.#call(authorize.method, authorize.path, input, timeoutMs, true);
    return this.#parse(authorize.responses[200], reply.body);
  }

  async journal(records: readonly JournalRecord[], timeoutMs: number): Promise<JournalReply> {
    const { journal } = terminalApi;
    const reply = await this.#call(journal.method, journal.path, { records }, timeoutMs, true);
    return this.#parse(journal.responses[200], reply.body);
  }

  async head(timeoutMs: number): Promise<{ seq: number; hash: string }> {
    const { head } = terminalApi;
    const reply = await this.#call(head.method, head.path, undefined, timeoutMs, true);
    return this.#parse(head.responses[200], reply.body);
  }

  async outcomes(after: string, timeoutMs: number): Promise<OutcomesReply> {
    const { outcomes } = terminalApi;
    const reply = await this.#call(outcomes.method, `${outcomes.path}?after=${encodeURIComponent(after)}`, undefined, timeoutMs, true);
    return this.#parse(outcomes.responses[200], reply.body);
  }

  #parse<T>(schema: z.ZodType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new BackendError('invalid_response', `the backend's answer is not what PROTOCOL.md §8 says (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return parsed.data;
  }

  async #call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signed: boolean): Promise<{ status: number; body: unknown }> {
    // Sign exactly what goes on the request line: the URL parser may re-encode the query.
    const url = new URL(path, this.options.baseUrl);
    const target = `${url.pathname}${url.search}`;
    const bytes = body === undefined ? new Uint8Array(0) : utf8Encode(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (signed) {
      const credentials = this.options.credentials;
      if (credentials === undefined) throw new Error('this register is not enrolled: no terminal key to sign with');
      Object.assign(
        headers,
        signRequest(this.options.ed25519, credentials.seed, 'terminal', {
          method,
          target,
          timestampMs: Math.floor(this.options.nowMs()),
          principalId: credentials.terminalId,
          body: bytes,
        }),
      );
    }
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: bytes }),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#stop.signal]),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') throw new BackendError('timeout', `no answer from ${this.options.baseUrl} within ${timeoutMs} ms`);
      throw new BackendError('network', `cannot reach ${this.options.baseUrl}: ${describe(error)}`);
    }
    let parsed: unknown = null;
    if (response.status !== 204) {
      try {
        parsed = await response.json();
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'TimeoutError' || name === 'AbortError') throw new BackendError('timeout', `the answer from ${this.options.baseUrl} did not finish within ${timeoutMs} ms`);
        throw new BackendError('invalid_response', `the backend answered ${response.status} with a body that is not JSON (cut off?)`, response.status);
      }
    }
    if (response.ok) return { status: response.status, body: parsed };
    const problem = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const code = typeof problem.code === 'string' ? problem.code : null;
    const serverTime = typeof problem.serverTime === 'number' ? problem.serverTime : null;
    const title = typeof problem.title === 'string' ? problem.title : response.statusText;
    throw new BackendError('http', `${method} ${target.split('?')[0] ?? target}: ${response.status} ${title}${code === null ? '' : ` (${code})`}`, response.status, code, serverTime);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : null;
    return code ?? error.message;
  }
  return String(error);
}
