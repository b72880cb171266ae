/**
 * Throttling against credential stuffing and code guessing (DESIGN.md): failure counters per
 * login name, per client address, per /24 or /64, and globally. Past a few free failures each
 * counter imposes a delay that doubles with every further failure (429 with Retry-After) —
 * never a lock-out, which an attacker could use to keep a customer out. Only failures count:
 * successes from a shared address (NAT, a store's Wi-Fi) add nothing to it. A login the
 * customer's own bound phone signs is held to that phone's counter alone, so no failures an
 * attacker causes — on the login name or from the address — can keep the customer out.
 *
 * Admins are told (one open flag per subject, counted while it stays open) when failures
 * everywhere pass a threshold (a distributed attack; the free failures per address and
 * network are then withdrawn), when one login name keeps failing from wherever, and when many
 * login names fail from one network.
 */
import type { AppContext } from '../../context.js';
import type { ThrottleRule } from '../../config/config.js';
import { inTransaction } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import type { FailureState } from '../counters.js';
import { raiseFlag } from '../flags.js';
import { networkOf, normaliseIp } from './contacts.js';

/** Where a request comes from, as domain code sees it. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export interface ThrottleKey {
  key: string;
  rule: ThrottleRule;
  /** Free failures are withdrawn from address and network counters during a global surge. */
  source: boolean;
}

/** Fixed windows are failure counters whose key names the window (it never decays within it). */
function windowKey(prefix: string, windowSeconds: number, nowMs: number): { key: string; decayMs: number } {
  const size = windowSeconds * 1000;
  return { key: `${prefix}@${Math.floor(nowMs / size) * size}`, decayMs: size };
}

/**
 * The global failure count is kept in shards: every failed login adds to one at random, a check
 * reads them all. One row written by every failure would serialise all of them on PostgreSQL.
 */
const GLOBAL_SHARDS = 16;

function globalKeys(ctx: AppContext, nowMs: number): { key: string; decayMs: number }[] {
  const window = windowKey('login-global', ctx.config.throttle.globalWindowSeconds, nowMs);
  return Array.from({ length: GLOBAL_SHARDS }, (_, shard) => ({ key: `${window.key}#${shard}`, decayMs: window.decayMs }));
}

/** The counters a password attempt is held to. `loginKey` is the hashed login name. */
export function loginThrottleKeys(ctx: AppContext, client: ClientInfo, loginKey: string | null): ThrottleKey[] {
  const { throttle } = ctx.config;
  const ip = normaliseIp(client.ip);
  const keys: ThrottleKey[] = [
    { key: `login:ip:${ip}`, rule: throttle.ip, source: true },
    { key: `login:net:${networkOf(ip)}`, rule: throttle.network, source: true },
  ];
  if (loginKey !== null) keys.unshift({ key: `login:acct:${loginKey}`, rule: throttle.account, source: false });
  return keys;
}

/**
 * The counter a login signed by a bound phone is held to instead: only the holder of that
 * phone's key adds to it, so an attacker elsewhere cannot slow the customer down.
 */
export function deviceLoginThrottleKeys(ctx: AppContext, deviceId: string): ThrottleKey[] {
  return [{ key: `login:dev:${deviceId}`, rule: ctx.config.throttle.account, source: false }];
}

/** The counters a one-time code attempt is held to: per account (across codes) and per address. */
export function codeThrottleKeys(ctx: AppContext, client: ClientInfo, subjectKey: string | null): ThrottleKey[] {
  const { throttle } = ctx.config;
  const ip = normaliseIp(client.ip);
  const keys: ThrottleKey[] = [
    { key: `code:ip:${ip}`, rule: throttle.ip, source: true },
    { key: `code:net:${networkOf(ip)}`, rule: throttle.network, source: true },
  ];
  if (subjectKey !== null) keys.unshift({ key: `code:acct:${subjectKey}`, rule: throttle.codes, source: false });
  return keys;
}

/** Unix ms before which the next attempt is refused, or null. */
export function blockedUntil(state: FailureState | undefined, rule: ThrottleRule, nowMs: number, free = rule.free): number | null {
  if (state === undefined) return null;
  if (nowMs - state.lastAt > rule.decaySeconds * 1000) return null;
  if (state.failures <= free) return null;
  const doublings = Math.min(40, state.failures - free - 1);
  const delaySeconds = Math.min(rule.maxDelaySeconds, rule.baseDelaySeconds * 2 ** doublings);
  const until = state.lastAt + delaySeconds * 1000;
  return until > nowMs ? until : null;
}

/** What enforceThrottle saw of the global window, for recordFailure's surge detector. */
export interface ThrottleSnapshot {
  globalFailures: number;
  surgeFlagged: boolean;
}

function surgeMarker(ctx: AppContext, nowMs: number): { key: string; decayMs: number } {
  return windowKey('login-surge-flagged', ctx.config.throttle.globalWindowSeconds, nowMs);
}

/**
 * Refuses (429 with Retry-After) when any counter still imposes a delay. One read: the counters
 * and the global window together (a throttled attempt must cost next to nothing).
 */
export async function enforceThrottle(ctx: AppContext, keys: readonly ThrottleKey[]): Promise<ThrottleSnapshot> {
  const nowMs = ctx.clock.nowMs();
  const shards = globalKeys(ctx, nowMs).map((k) => k.key);
  const marker = surgeMarker(ctx, nowMs).key;
  const states = await ctx.counters.read([...keys.map((k) => k.key), ...shards, marker]);
  const globalFailures = shards.reduce((sum, key) => sum + (states.get(key)?.failures ?? 0), 0);
  const surge = globalFailures >= ctx.config.throttle.globalFailureThreshold;
  let until: number | null = null;
  for (const key of keys) {
    const blocked = blockedUntil(states.get(key.key), key.rule, nowMs, surge && key.source ? 0 : key.rule.free);
    if (blocked !== null && (until === null || blocked > until)) until = blocked;
  }
  if (until !== null) {
    ctx.metrics.throttled.inc({ scope: keys[0]?.key.split(':')[0] ?? 'unknown' });
    throw tooManyAttempts(Math.max(1, Math.ceil((until - nowMs) / 1000)));
  }
  return { globalFailures, surgeFlagged: states.has(marker) };
}

export function tooManyAttempts(retryAfterSeconds: number): ProblemError {
  return ProblemError.of(429, 'too_many_attempts', 'Too many attempts', {
    detail: `try again in ${retryAfterSeconds} s`,
    extensions: { retryAfterSeconds },
  });
}

/**
 * Counts one failure under every key; for a password failure also counts it globally and
 * towards the burst detector of the client's network.
 */
export async function recordFailure(
  ctx: AppContext,
  keys: readonly ThrottleKey[],
  options: {
    client: ClientInfo;
    loginKey?: string | null;
    password?: boolean;
    snapshot?: ThrottleSnapshot;
    /** The account the login name names, for the reviewer (never shown to the client). */
    accountId?: string | null;
  },
): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  const { throttle } = ctx.config;
  const entries = keys.map((k) => ({ key: k.key, decayMs: k.rule.decaySeconds * 1000 }));
  const password = options.password === true;
  const shards = globalKeys(ctx, nowMs);
  const global = shards[(ctx.random.bytes(1)[0] ?? 0) % GLOBAL_SHARDS]!;
  const network = networkOf(options.client.ip);
  // A login name counts once per network towards the burst detector, until the network has
  // been quiet for a whole window. Not fixed windows: an attack across a window boundary would
  // be split in two and seen half as big.
  const burstDecayMs = throttle.burstWindowSeconds * 1000;
  const pair =
    password && options.loginKey !== undefined && options.loginKey !== null
      ? { key: `burst:${network}:${options.loginKey}`, decayMs: burstDecayMs }
      : null;
  if (password) entries.push(global);
  if (pair !== null) entries.push(pair);
  const counted = await ctx.counters.fail(entries, nowMs);
  // The total as last read plus this failure: past the threshold, admins are told once per
  // window (the marker makes the flag single even when several nodes see the crossing).
  const snapshot = options.snapshot;
  if (password && snapshot !== undefined && !snapshot.surgeFlagged && snapshot.globalFailures + 1 >= throttle.globalFailureThreshold) {
    const marker = surgeMarker(ctx, nowMs);
    if ((await ctx.counters.fail([marker], nowMs)).get(marker.key)?.failures === 1) {
      await flag(ctx, 'login_failure_surge', 'all', { failures: snapshot.globalFailures + 1, windowSeconds: throttle.globalWindowSeconds });
    }
  }
  // One login name failing again and again, from wherever it is tried (a new address per
  // attempt defeats the address counters, not this one).
  const nameKey = password && options.loginKey !== undefined && options.loginKey !== null ? `login:acct:${options.loginKey}` : null;
  if (nameKey !== null && counted.get(nameKey)?.failures === throttle.loginNameFailureThreshold) {
    await flag(ctx, 'login_failure_surge', `login:${options.loginKey ?? ''}`, {
      loginName: options.loginKey,
      accountId: options.accountId ?? null,
      failures: throttle.loginNameFailureThreshold,
    });
  }
  if (pair === null || counted.get(pair.key)?.failures !== 1) return;
  const names = { key: `burst-names:${network}`, decayMs: burstDecayMs };
  const distinct = (await ctx.counters.fail([names], nowMs)).get(names.key)?.failures ?? 0;
  if (distinct === throttle.burstAccounts) {
    await flag(ctx, 'credential_stuffing', `network:${network}`, {
      network,
      ip: normaliseIp(options.client.ip),
      loginNames: distinct,
      windowSeconds: throttle.burstWindowSeconds,
    });
  }
}

/** One open flag per subject: an attack that goes on for days counts on it, window after window. */
async function flag(ctx: AppContext, kind: 'login_failure_surge' | 'credential_stuffing', subject: string, detail: Record<string, unknown>): Promise<void> {
  await inTransaction(ctx.db, (trx) => raiseFlag(ctx, trx, { kind, subject, detail }));
}

/** A complete login (second factor too) forgives the login name's failures, not the address's. */
export async function clearFailures(ctx: AppContext, keys: readonly ThrottleKey[]): Promise<void> {
  await ctx.counters.clear(keys.filter((k) => !k.source).map((k) => k.key));
}
