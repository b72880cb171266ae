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
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import { raiseFlag } from '../flags.js';

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
