import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/databases.js';
import { TestClock } from '../../../test/harness.js';
import type { AppContext } from '../../context.js';
import { inTransaction, type Db } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createMetrics } from '../../http/metrics.js';
import { systemRandom } from '../../runtime/random.js';
import { NotificationDispatcher } from './dispatcher.js';
import { enqueueMessage, outboxFor } from './outbox.js';
import { webhookSignature, webhookTransport, WEBHOOK_SIGNATURE_HEADER } from './transports.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe.each(TEST_DIALECTS)('notification delivery on %s', (dialect) => {
  let testDb: TestDatabase;
  let db: Db;
  const clock = new TestClock(1_764_115_200_000);
  const received: Received[] = [];
  let failNext = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (failNext > 0) {
        failNext--;
        response.writeHead(503).end();
        return;
      }
      received.push({ headers: request.headers, body });
      response.writeHead(202).end();
    });
  });
  let url = '';

  beforeAll(async () => {
    testDb = createTestDatabase(dialect);
    db = await testDb.open();
    await migrateToLatest(db);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms-and-mail`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.close();
    await testDb.destroy();
  });

  function dispatcher(keepText: boolean): NotificationDispatcher {
    return new NotificationDispatcher({
      db,
      clock,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      transport: webhookTransport({ url, secret: 'webhook-secret-0123456789', nowMs: () => clock.nowMs() }),
      keepText,
      maxAttempts: 3,
    });
  }

  const ctx = () => ({ db, clock, random: systemRandom }) as unknown as AppContext;

  it('posts each message once, signed, and clears texts outside dev mode', async () => {
    await inTransaction(db, (trx) =>
      enqueueMessage(ctx(), trx, { channel: 'sms', to: '+819011112222', kind: 'code', text: 'Your Tegata login code is 123456.', redacted: 'Your Tegata login code is ******.' }),
    );
    expect(await dispatcher(false).drain()).toBe(1);
    expect(await dispatcher(false).drain()).toBe(0);
    expect(received).toHaveLength(1);
    const [delivery] = received;
    const body = JSON.parse(delivery?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ channel: 'sms', to: '+819011112222', kind: 'code', text: 'Your Tegata login code is 123456.' });
    expect(delivery?.headers[WEBHOOK_SIGNATURE_HEADER]).toBe(webhookSignature('webhook-secret-0123456789', clock.nowMs(), delivery?.body ?? ''));
    expect(delivery?.headers['idempotency-key']).toBe(body.id);
    // What stays is the redacted copy: the code is gone from the database.
    const [kept] = await outboxFor(ctx(), '+819011112222');
    expect(kept?.text).toBe('Your Tegata login code is ******.');
  });

  it('retries with backoff when the provider fails, and gives up after maxAttempts', async () => {
    received.length = 0;
    await inTransaction(db, (trx) => enqueueMessage(ctx(), trx, { channel: 'email', to: 'a@example.test', kind: 'notice', text: 'hello' }));
    failNext = 1;
    const d = dispatcher(true);
    expect(await d.drain()).toBe(0);
    expect(await d.drain()).toBe(0); // not due yet
    clock.advance(2000);
    expect(await d.drain()).toBe(1);
    expect(received).toHaveLength(1);

    await inTransaction(db, (trx) => enqueueMessage(ctx(), trx, { channel: 'email', to: 'b@example.test', kind: 'notice', text: 'never' }));
    failNext = 3;
    for (let i = 0; i < 3; i++) {
      await d.drain();
      clock.advance(60_000);
    }
    const row = await db.kysely.selectFrom('notifications').selectAll().where('destination', '=', 'b@example.test').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: 'webhook answered 503' });
  });
});
