/**
 * Fixed-window counters in the database, so every HTTP node behind a load balancer counts
 * the same attempts (DESIGN.md: rate-limit counters live in the database).
 */
import type { Db } from '../db/database.js';

export interface WindowCount {
  count: number;
  /** Unix ms when the current window ends. */
  resetsAt: number;
}

function windowStart(nowMs: number, windowSeconds: number): number {
  const size = windowSeconds * 1000;
  return Math.floor(nowMs / size) * size;
}

/** Counts one more event under `key`; returns the count in the current window. */
export async function hitRateLimit(db: Db, key: string, windowSeconds: number, nowMs: number): Promise<WindowCount> {
  const start = windowStart(nowMs, windowSeconds);
  const row = await db.kysely
    .insertInto('rate_limits')
    .values({ key, window_start: start, count: 1 })
    .onConflict((conflict) =>
      conflict.columns(['key', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return { count: row.count, resetsAt: start + windowSeconds * 1000 };
}

/** The count in the current window, without counting. */
export async function peekRateLimit(db: Db, key: string, windowSeconds: number, nowMs: number): Promise<WindowCount> {
  const start = windowStart(nowMs, windowSeconds);
  const row = await db.kysely
    .selectFrom('rate_limits')
    .select('count')
    .where('key', '=', key)
    .where('window_start', '=', start)
    .executeTakeFirst();
  return { count: row?.count ?? 0, resetsAt: start + windowSeconds * 1000 };
}

/** Drops windows that ended more than a day ago. */
export async function pruneRateLimits(db: Db, nowMs: number): Promise<void> {
  await db.kysely.deleteFrom('rate_limits').where('window_start', '<', nowMs - 86_400_000).execute();
}
