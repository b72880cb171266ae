/**
 * Prometheus metrics (served at /metrics). One registry per backend instance, so tests can run
 * several in one process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly journalRecords: Counter<'status'>;
  readonly settlementOutcomes: Counter<'outcome'>;
  readonly authorizations: Counter<'decision'>;
  readonly flags: Counter<'kind'>;
  readonly trustSerial: Gauge;
  readonly throttled: Counter<'scope'>;
  readonly notifications: Counter<'channel' | 'status'>;
  readonly messagesSuppressed: Counter<'channel' | 'limit'>;
  readonly accountEvents: Counter<'event'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tegata_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'tegata_http_request_duration_seconds',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    journalRecords: new Counter({
      name: 'tegata_journal_records_total',
      help: 'Journal records received, by result (accepted, duplicate, rejected, quarantined)',
      labelNames: ['status'],
      registers: [registry],
    }),
    settlementOutcomes: new Counter({
      name: 'tegata_settlement_outcomes_total',
      help: 'Settlement outcomes (PROTOCOL.md §8)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    authorizations: new Counter({
      name: 'tegata_authorizations_total',
      help: 'Online authorizations by decision',
      labelNames: ['decision'],
      registers: [registry],
    }),
    flags: new Counter({
      name: 'tegata_flags_total',
      help: 'Flags raised for review, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    throttled: new Counter({
      name: 'tegata_throttled_total',
      help: 'Requests refused with 429 by the growing-delay throttle, by scope (login, code)',
      labelNames: ['scope'],
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'tegata_notifications_total',
      help: 'Notification deliveries by channel and result (sent, retry, failed)',
      labelNames: ['channel', 'status'],
      registers: [registry],
    }),
    messagesSuppressed: new Counter({
      name: 'tegata_messages_suppressed_total',
      help: 'Messages not sent because a send limit was reached (destination, prefix)',
      labelNames: ['channel', 'limit'],
      registers: [registry],
    }),
    accountEvents: new Counter({
      name: 'tegata_account_events_total',
      help: 'Account events: signup, login, login_failed, second_factor_failed, device_bound, password_reset, topup',
      labelNames: ['event'],
      registers: [registry],
    }),
    trustSerial: new Gauge({
      name: 'tegata_trust_bundle_serial',
      help: 'Serial of the newest signed trust bundle',
      registers: [registry],
    }),
  };
}
