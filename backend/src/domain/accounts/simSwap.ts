/**
 * The SIM-swap signal (issue 17 point 5). A pluggable provider shaped after the GSMA Open
 * Gateway / CAMARA SIM Swap API — `POST …/check` `{ phoneNumber, maxAge }` (hours) →
 * `{ swapped }`, `POST …/retrieve-date` `{ phoneNumber }` → `{ latestSimChange }` — with an HTTP
 * transport for an operator gateway (URL and OAuth bearer token from config) and a fake that
 * dev mode and tests flip. A SIM change within the window makes an SMS code count as no
 * factor for login, binding, reset and password change, and flags the account. A provider
 * that does not answer in time: closed for binding, reset and password change; open for
 * login; logged either way. Phone numbers and the token never reach the logs.
 */
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import { raiseFlag } from '../flags.js';

export interface SimSwapProvider {
  readonly name: string;
  /** `POST …/check`: true when the SIM of `phoneNumber` changed within the last `maxAgeHours`. */
  check(phoneNumber: string, maxAgeHours: number, signal: AbortSignal): Promise<boolean>;
  /** `POST …/retrieve-date`: the latest SIM change (Unix ms), or null when none is known. */
  retrieveDate(phoneNumber: string, signal: AbortSignal): Promise<number | null>;
}

const checkReply = z.object({ swapped: z.boolean() });
const dateReply = z.object({ latestSimChange: z.string().nullable() });

/** An operator gateway speaking the CAMARA SIM Swap API. */
export function httpSimSwapProvider(options: { url: string; token: string; fetch?: typeof globalThis.fetch }): SimSwapProvider {
  const send = options.fetch ?? globalThis.fetch;
  const base = options.url.replace(/\/+$/, '');
  async function post(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const response = await send(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`SIM-swap gateway answered ${response.status}`);
    return JSON.parse(text) as unknown;
  }
  return {
    name: 'http',
    async check(phoneNumber, maxAgeHours, signal) {
      return checkReply.parse(await post('/check', { phoneNumber, maxAge: maxAgeHours }, signal)).swapped;
    },
    async retrieveDate(phoneNumber, signal) {
      const { latestSimChange } = dateReply.parse(await post('/retrieve-date', { phoneNumber }, signal));
      if (latestSimChange === null) return null;
      const ms = Date.parse(latestSimChange);
      if (Number.isNaN(ms)) throw new Error('SIM-swap gateway sent an unreadable date');
      return ms;
    },
  };
}

/** The dev and test provider: SIM changes set by hand, and a gateway that can be made to hang or fail. */
export class FakeSimSwapProvider implements SimSwapProvider {
  readonly name = 'fake';
  readonly #changes = new Map<string, number>();
  #mode: 'answer' | 'hang' | 'fail' = 'answer';
  constructor(private readonly nowMs: () => number) {}

  /** The SIM of `phoneNumber` changed at `atMs` (default now). */
  swap(phoneNumber: string, atMs = this.nowMs()): void {
    this.#changes.set(phoneNumber, atMs);
  }
  clear(phoneNumber?: string): void {
    if (phoneNumber === undefined) this.#changes.clear();
    else this.#changes.delete(phoneNumber);
  }
  /** `hang`: never answers (until aborted); `fail`: answers with an error. */
  setMode(mode: 'answer' | 'hang' | 'fail'): void {
    this.#mode = mode;
  }

  async #answer<T>(value: () => T, signal: AbortSignal): Promise<T> {
    if (this.#mode === 'fail') throw new Error('fake SIM-swap gateway failure');
    if (this.#mode === 'hang') {
      await new Promise<never>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    return Promise.resolve(value());
  }
  check(phoneNumber: string, maxAgeHours: number, signal: AbortSignal): Promise<boolean> {
    return this.#answer(() => {
      const at = this.#changes.get(phoneNumber);
      return at !== undefined && this.nowMs() - at <= maxAgeHours * 3_600_000;
    }, signal);
  }
  retrieveDate(phoneNumber: string, signal: AbortSignal): Promise<number | null> {
    return this.#answer(() => this.#changes.get(phoneNumber) ?? null, signal);
  }
}

export type SimSwapResult = 'clean' | 'swapped' | 'unavailable';

/** What the SMS code is about to be trusted for. */
export type SmsUse = 'login' | 'bind' | 'reset' | 'password';

/** Asks the provider about `phoneNumber` within the configured time; no provider: clean. */
export async function simSwapStatus(ctx: AppContext, phoneNumber: string): Promise<SimSwapResult> {
  const provider = ctx.simSwap;
  if (provider === undefined) return 'clean';
  const { windowHours, timeoutMs } = ctx.config.simSwap;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return (await provider.check(phoneNumber, windowHours, controller.signal)) ? 'swapped' : 'clean';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refuses (4xx problem+json) when an SMS code cannot count for `use` on this account: the SIM
 * changed within the window (the account is flagged), or — for everything but login — the
 * provider did not answer in time.
 */
export async function requireTrustworthySms(ctx: AppContext, account: { id: string; phone: string | null }, use: SmsUse): Promise<void> {
  if (account.phone === null) return;
  const status = await simSwapStatus(ctx, account.phone);
  if (status === 'clean') return;
  if (status === 'unavailable') {
    ctx.logger.warn({ accountId: account.id, use, provider: ctx.simSwap?.name, failOpen: use === 'login' }, 'SIM-swap check did not answer in time');
    if (use === 'login') return;
    throw ProblemError.of(403, 'sim_check_unavailable', 'The SIM-swap check of this phone number did not answer', {
      detail: 'try again in a few minutes; a phone binding, password change or reset waits until the check answers',
    });
  }
  const nowMs = ctx.clock.nowMs();
  await inTransaction(ctx.db, async (trx) => {
    await trx.updateTable('accounts').set({ sim_swap_flagged_at: nowMs }).where('id', '=', account.id).execute();
    await raiseFlag(ctx, trx, { kind: 'sim_swap', detail: { accountId: account.id, use } });
  });
  ctx.logger.warn({ accountId: account.id, use }, 'SMS code refused: the SIM changed recently');
  throw ProblemError.of(403, 'sim_swapped', 'The SIM card of this phone number changed recently: an SMS code does not count now', {
    detail: 'log in with the e-mail code or the bound phone; binding, password change and reset by SMS resume when the SIM change is older than the window',
  });
}
