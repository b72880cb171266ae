/**
 * An attack that goes on for days is one item for the operator: a flag about a source (a
 * network stuffing passwords, the whole service failing logins) is raised once while it is
 * open, and later sightings count on it — across window boundaries too. Once an admin resolves
 * it, the next sighting raises a new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogin } from '../../src/domain/accounts/sessions.js';
import { TEST_DIALECTS } from '../databases.js';
import { startTestBackend, TestClock, type TestBackend } from '../harness.js';
import { outcome } from './domainCalls.js';

describe.each(TEST_DIALECTS)('flags about a source on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    // One minute before a UTC midnight, where every fixed daily window rolls over.
    const clock = new TestClock(Date.UTC(2026, 5, 30, 23, 59));
    t = await startTestBackend(dialect, {
      clock,
      config: {
        throttle: {
          burstAccounts: 5,
          burstWindowSeconds: 86_400,
          globalFailureThreshold: 8,
          globalWindowSeconds: 60,
          ip: { free: 1000, baseDelaySeconds: 1, maxDelaySeconds: 60, decaySeconds: 120 },
          network: { free: 1000, baseDelaySeconds: 1, maxDelaySeconds: 60, decaySeconds: 120 },
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const flagRows = () =>
    t.backend.db.kysely
      .selectFrom('flags')
      .select(['id', 'kind', 'subject', 'occurrences', 'resolved_at'])
      .where('kind', 'in', ['credential_stuffing', 'login_failure_surge'])
      .orderBy('created_at')
      .execute();

  async function fail(ip: string, names: number, label: string): Promise<void> {
    for (let i = 0; i < names; i++) {
      const result = await outcome(startLogin(t.backend.context, { login: `${label}${i}@elsewhere.test`, password: 'leaked' }, { ip, userAgent: 'bot' }, null));
      expect(result.status).toBe(401);
      t.clock.advance(1000);
    }
  }

  it('stuffing from one network across midnight and across surge windows: one flag each, counted', async () => {
    await fail('198.51.100.7', 8, 'before'); // 8 names in the last minute of the day: both alarms
    t.clock.set(Date.UTC(2026, 6, 1, 0, 5));
    await fail('198.51.100.8', 8, 'after'); // and again in the next day, the next surge window
    const rows = await flagRows();
    expect(rows.map((r) => ({ kind: r.kind, subject: r.subject, occurrences: Number(r.occurrences) }))).toEqual([
      { kind: 'credential_stuffing', subject: 'network:198.51.100.0/24', occurrences: 1 },
      { kind: 'login_failure_surge', subject: 'all', occurrences: 2 },
    ]);
    // The same network after a whole quiet day is a new episode, counted on the open flag.
    t.clock.advance(25 * 3600_000);
    await fail('198.51.100.9', 5, 'later');
    expect((await flagRows()).find((r) => r.kind === 'credential_stuffing')).toMatchObject({ occurrences: 2 });

    // The admin API shows how often, and resolving lets the next sighting raise a new flag.
    const listed = await t.admin<{ flags: { id: string; subject: string | null; occurrences: number; lastSeenAt: number; createdAt: number }[] }>(
      'GET',
      '/v1/admin/flags?kind=credential_stuffing',
    );
    expect(listed.flags).toHaveLength(1);
    expect(listed.flags[0]).toMatchObject({ subject: 'network:198.51.100.0/24', occurrences: 2 });
    expect(listed.flags[0]!.lastSeenAt).toBeGreaterThan(listed.flags[0]!.createdAt);
    await t.admin('POST', `/v1/admin/flags/${listed.flags[0]!.id}/resolve`);
    t.clock.advance(25 * 3600_000);
    await fail('198.51.100.10', 5, 'again');
    const stuffing = (await flagRows()).filter((r) => r.kind === 'credential_stuffing');
    expect(stuffing.map((r) => [Number(r.occurrences), r.resolved_at === null])).toEqual([
      [2, false],
      [1, true],
    ]);
    // Nothing about a record is ever merged: those flags carry no subject.
    expect(t.logText().match(/"flag":"credential_stuffing"/g)).toHaveLength(2);
  });
});
