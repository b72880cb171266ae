/**
 * Delivers queued notifications through the configured transport: oldest first, a batch at a
 * time, retrying failures with exponential backoff up to `maxAttempts`. Outside dev mode a
 * delivered message's text (which may hold a code) is cleared; the redacted copy stays. Runs
 * on a timer and whenever a request queued something; `drain()` lets tests deliver at once.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Metrics } from '../../http/metrics.js';
import type { Clock } from '../../runtime/clock.js';
import { consoleTransport, fileTransport, outboxTransport, webhookTransport, type NotificationTransport } from './transports.js';

const BATCH = 100;

export function transportFor(config: Config, clock: Clock): NotificationTransport {
  const n = config.notifications;
  switch (n.transport) {
    case 'outbox':
      return outboxTransport;
    case 'console':
      return consoleTransport();
    case 'file':
      return fileTransport(n.file ?? 'notifications.jsonl');
    case 'webhook':
      return webhookTransport({ url: n.webhookUrl ?? '', ...(n.webhookSecret === undefined ? {} : { secret: n.webhookSecret }), nowMs: () => clock.nowMs() });
  }
}

export interface DispatcherDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  transport: NotificationTransport;
  /** Dev mode keeps texts for the dev outbox. */
  keepText: boolean;
  maxAttempts: number;
}

export class NotificationDispatcher {
  readonly #deps: DispatcherDeps;
  #running: Promise<number> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.wake(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => 0);
  }

  /** Runs a delivery round now, or once more after the current one. */
  wake(): void {
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    void this.drain().catch((error: unknown) => this.#deps.logger.error({ err: error }, 'notification delivery failed'));
  }

  /** Delivers everything due; resolves with the number delivered. */
  drain(): Promise<number> {
    this.#running ??= this.#drainAll().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
    return this.#running;
  }

  async #drainAll(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const { sent, seen } = await this.#round();
      delivered += sent;
      if (seen < BATCH) return delivered;
    }
  }

  async #round(): Promise<{ sent: number; seen: number }> {
    const { db, clock, transport } = this.#deps;
    const due = await db.kysely
      .selectFrom('notifications')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', clock.nowMs())
      .orderBy('created_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    let sent = 0;
    for (const row of due) {
      try {
        await transport.send({ id: row.id, channel: row.channel, to: row.destination, kind: row.kind, text: row.text ?? row.redacted, createdAt: row.created_at });
        await db.kysely
          .updateTable('notifications')
          .set({ status: 'sent', sent_at: clock.nowMs(), attempts: row.attempts + 1, last_error: null, ...(this.#deps.keepText ? {} : { text: null }) })
          .where('id', '=', row.id)
          .execute();
        this.#deps.metrics.notifications.inc({ channel: row.channel, status: 'sent' });
        sent++;
      } catch (error) {
        const attempts = row.attempts + 1;
        const failed = attempts >= this.#deps.maxAttempts;
        const backoffMs = Math.min(3_600_000, 1000 * 2 ** attempts);
        await db.kysely
          .updateTable('notifications')
          .set({
            attempts,
            status: failed ? 'failed' : 'pending',
            next_attempt_at: clock.nowMs() + backoffMs,
            last_error: error instanceof Error ? error.message.slice(0, 500) : 'error',
          })
          .where('id', '=', row.id)
          .execute();
        this.#deps.metrics.notifications.inc({ channel: row.channel, status: failed ? 'failed' : 'retry' });
        this.#deps.logger.warn({ notificationId: row.id, channel: row.channel, kind: row.kind, attempts, failed }, 'notification not delivered');
      }
    }
    return { sent, seen: due.length };
  }
}
