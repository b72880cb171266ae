/**
 * Counters shared by every backend node: fixed-window event counts (rate limits, SMS sends,
 * bursts) and growing-delay failure counters (login and code throttling). In the database by
 * default; in Redis when REDIS_URL is configured (redisCounters.ts). Both implement this.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { hitRateLimit, peekRateLimit, type WindowCount } from './rateLimit.js';

export type { WindowCount };

export interface FailureState {
  failures: number;
  /** Unix ms of the latest failure. */
  lastAt: number;
}

export interface CounterStore {
  readonly kind: 'database' | 'redis';
  /** Counts one event under `key` in the current fixed window; returns the window's count. */
  hit(key: string, windowSeconds: number, nowMs: number): Promise<WindowCount>;
  peek(key: string, windowSeconds: number, nowMs: number): Promise<WindowCount>;
  /**
   * One more failure under each key (distinct keys). A counter whose last failure is older than
   * its decay starts again at one. Returns the new counts.
   */
  fail(entries: readonly { key: string; decayMs: number }[], nowMs: number): Promise<Map<string, FailureState>>;
  /** The failure counters that exist among `keys`. */
  read(keys: readonly string[]): Promise<Map<string, FailureState>>;
  /** Forgets failure counters (after a complete login, for the account's key). */
  clear(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export function databaseCounters(db: Db): CounterStore {
  return {
    kind: 'database',
    hit: (key, windowSeconds, nowMs) => hitRateLimit(db, key, windowSeconds, nowMs),
    peek: (key, windowSeconds, nowMs) => peekRateLimit(db, key, windowSeconds, nowMs),
    async fail(entries, nowMs) {
      if (entries.length === 0) return new Map();
      // One statement for every key: the increment is atomic on both databases, so several
      // nodes counting the same attacker never lose a failure.
      const rows = await db.kysely
        .insertInto('throttles')
        .values(entries.map((entry) => ({ key: entry.key, failures: 1, last_at: nowMs, decay_ms: entry.decayMs })))
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            failures: sql<number>`case when throttles.last_at < excluded.last_at - throttles.decay_ms then 1 else throttles.failures + 1 end`,
            last_at: sql<number>`excluded.last_at`,
            decay_ms: sql<number>`excluded.decay_ms`,
          }),
        )
        .returning(['key', 'failures', 'last_at'])
        .execute();
      return new Map(rows.map((row) => [row.key, { failures: row.failures, lastAt: row.last_at }]));
    },
    async read(keys) {
      if (keys.length === 0) return new Map();
      const rows = await db.kysely.selectFrom('throttles').select(['key', 'failures', 'last_at', 'decay_ms']).where('key', 'in', [...keys]).execute();
      return new Map(rows.map((row) => [row.key, { failures: row.failures, lastAt: row.last_at }]));
    },
    async clear(keys) {
      if (keys.length === 0) return;
      await db.kysely.deleteFrom('throttles').where('key', 'in', [...keys]).execute();
    },
    close: () => Promise.resolve(),
  };
}

/** Drops failure counters idle for longer than their decay (maintenance). */
export async function pruneThrottles(db: Db, nowMs: number): Promise<void> {
  await db.kysely
    .deleteFrom('throttles')
    .where(sql<boolean>`last_at < ${nowMs} - decay_ms`)
    .execute();
}
