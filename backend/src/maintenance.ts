/** Periodic housekeeping: release expired reservations, drop old rate-limit windows and idle throttle counters. */
import type { AppContext } from './context.js';
import { releaseExpiredReservations } from './domain/authorize.js';
import { pruneThrottles } from './domain/counters.js';
import { pruneRateLimits } from './domain/rateLimit.js';

export async function runMaintenance(ctx: AppContext): Promise<void> {
  const released = await releaseExpiredReservations(ctx);
  if (released > 0) ctx.logger.info({ released }, 'released expired reservations');
  await pruneRateLimits(ctx.db, ctx.clock.nowMs());
  await pruneThrottles(ctx.db, ctx.clock.nowMs());
}

export function startMaintenance(ctx: AppContext, intervalMs: number): () => void {
  const timer = setInterval(() => {
    runMaintenance(ctx).catch((error: unknown) => ctx.logger.error({ err: error }, 'maintenance failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
