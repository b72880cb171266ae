/**
 * SIM-swap providers (issue 17 point 5), shaped after the GSMA Open Gateway / CAMARA SIM Swap
 * API: an HTTP transport for an operator gateway and a fake that dev mode and tests flip. What
 * an answer means for an SMS code is in simSwap.ts; the providers know nothing of accounts.
 */
import { z } from 'zod';

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
