/**
 * Step 1 of issue 5 through HTTP: sign-up with both channels, passwords, one-time codes,
 * login with a second factor, sessions, throttling and send limits. Client addresses come from
 * X-Forwarded-For (the backend trusts the proxy here), so one test can be many clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagView } from '../src/domain/flags.js';
import { TEST_DIALECTS } from './databases.js';
import { call, freshContacts, GOOD_PASSWORD, latestCode, logIn, outbox, signUp, type Grant } from './customers.js';
import { startTestBackend, type TestBackend } from './harness.js';

let ipSerial = 0;
/** A client address no other test uses, in 198.18.0.0/15 (benchmarking range). */
function freshIp(): string {
  ipSerial++;
  return `198.18.${ipSerial >> 8}.${ipSerial & 255}`;
}
const SMS_PER_HOUR = 8;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

async function flags(t: TestBackend, kind: string): Promise<FlagView[]> {
  return (await t.admin<{ flags: FlagView[] }>('GET', `/v1/admin/flags?kind=${kind}`)).flags;
}

describe.each(TEST_DIALECTS)('accounts on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, {
      config: {
        trustProxy: true,
        throttle: { ...defaults(), codes: { free: 6, baseDelaySeconds: 10, maxDelaySeconds: 3600, decaySeconds: 86_400 } },
        messaging: { smsPerDestinationPerHour: SMS_PER_HOUR, smsPerDestinationPerDay: 20 },
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('sign-up', () => {
    it('verifies both channels, then logs in with the SMS code', async () => {
      const who = await signUp(t);
      expect(who.accountId).toMatch(/^acc_/);
      const row = await t.backend.db.kysely.selectFrom('accounts').selectAll().where('id', '=', who.accountId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ phone: who.phone, email: who.email, risk: 'new' });
      expect(row.phone_verified_at).not.toBeNull();
      expect(row.email_verified_at).not.toBeNull();
      expect(row.password_hash).toMatch(/^scrypt\$ln=4,r=8,p=1\$/);

      const grant = await logIn(t, who);
      expect(grant.scope).toBe('full');
      expect(grant.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
      const [sms] = await outbox(t, who.phone);
      expect(sms?.text).toMatch(/^Your Tegata login code is [0-9]{6}\. It expires in 10 minutes\. Never share it\./);
      const stored = await t.backend.db.kysely.selectFrom('sessions').select('token_hash').where('account_id', '=', who.accountId).execute();
      expect(stored.map((s) => s.token_hash)).not.toContain(grant.sessionToken);
    });

    it('answers a sign-up with taken addresses exactly like a new one, and sends a notice instead of a code', async () => {
      const who = await signUp(t);
      const other = freshContacts();
      const taken = await call(t, 'POST', '/v1/accounts', { body: { phone: who.phone, email: who.email, password: 'another fine password' } });
      const fresh = await call(t, 'POST', '/v1/accounts', { body: { ...other, password: 'another fine password' } });
      expect(taken.status).toBe(202);
      expect(taken.body).toEqual(fresh.body);
      const [notice] = await outbox(t, who.phone);
      expect(notice?.text).toMatch(/already has one/);
      expect(notice?.text).not.toMatch(/[0-9]{6}/);
      // Nobody can finish it: the codes were never sent, and guessing gives the same refusal.
      const attempt = await call(t, 'POST', '/v1/accounts/verify', { body: { phone: who.phone, smsCode: '123456', emailCode: '654321' } });
      expect(attempt.body).toMatchObject({ code: 'invalid_code' });
    });

    it('refuses weak passwords with the reason, and bad addresses', async () => {
      const contacts = freshContacts();
      const cases: [string, string][] = [
        ['short', 'too_short'],
        ['password1', 'common'],
        [contacts.email, 'matches_contact'],
        [contacts.phone, 'matches_contact'],
      ];
      for (const [password, reason] of cases) {
        const reply = await call(t, 'POST', '/v1/accounts', { body: { ...contacts, password } });
        expect(reply.status, password).toBe(400);
        expect(reply.body).toMatchObject({ code: 'weak_password', reason });
      }
      expect(await outbox(t, contacts.phone)).toEqual([]);
      const national = await call(t, 'POST', '/v1/accounts', { body: { ...contacts, phone: '090-1234-5678', password: GOOD_PASSWORD } });
      expect(national.body).toMatchObject({ code: 'invalid_request' });
    });

    it('needs both codes: one wrong code refuses, and codes are single use', async () => {
      const contacts = freshContacts();
      await call(t, 'POST', '/v1/accounts', { body: { ...contacts, password: GOOD_PASSWORD } });
      const smsCode = await latestCode(t, contacts.phone);
      const emailCode = await latestCode(t, contacts.email);
      expect(smsCode).not.toBe(emailCode);
      const swapped = await call(t, 'POST', '/v1/accounts/verify', { body: { phone: contacts.phone, smsCode: emailCode, emailCode: smsCode } });
      expect(swapped).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
      const good = await call(t, 'POST', '/v1/accounts/verify', { body: { phone: contacts.phone, smsCode, emailCode } });
      expect(good.status).toBe(201);
      const again = await call(t, 'POST', '/v1/accounts/verify', { body: { phone: contacts.phone, smsCode, emailCode } });
      expect(again).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    });
  });

  describe('login', () => {
    it('gives the same 401 for a wrong password and an unknown login', async () => {
      const who = await signUp(t);
      const ip = freshIp();
      const wrong = await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: 'not the password' }, headers: from(ip) });
      const unknown = await call(t, 'POST', '/v1/sessions', { body: { login: freshContacts().phone, password: 'not the password' }, headers: from(ip) });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
    });

    it('with the e-mail code gives a restricted session', async () => {
      const who = await signUp(t);
      const grant = await logIn(t, who, 'email');
      expect(grant.scope).toBe('restricted');
      const current = await call(t, 'GET', '/v1/sessions/current', { token: grant.sessionToken });
      expect(current.body).toMatchObject({ accountId: who.accountId, scope: 'restricted', secondFactor: 'email' });
    });

    it('codes die after 5 tries, expire after 10 minutes, and a new code does not reset the failure counter', async () => {
      const who = await signUp(t);
      const ip = freshIp();
      const challenge = async () =>
        (await call<{ challengeId: string }>(t, 'POST', '/v1/sessions', { body: { login: who.email, password: who.password }, headers: from(ip) })).body
          .challengeId;
      const verify = (challengeId: string, code: string) => call(t, 'POST', '/v1/sessions/verify', { body: { challengeId, code }, headers: from(ip) });

      const first = await challenge();
      const code = await latestCode(t, who.phone);
      const wrong = code === '000000' ? '000001' : '000000';
      for (let left = 4; left >= 0; left--) expect((await verify(first, wrong)).body).toMatchObject({ code: 'invalid_code', attemptsLeft: left });
      expect((await verify(first, code)).body).toMatchObject({ code: 'invalid_code', attemptsLeft: 0 }); // dead, even with the right code
      const [notice] = await outbox(t, who.email);
      expect(notice?.text).toMatch(/failed its second step/);

      // Six failures so far (a try on a dead code counts too); the account's counter allows six.
      const second = await challenge();
      expect((await verify(second, wrong)).status).toBe(401); // the 7th failure: a 10 s delay starts
      const third = await challenge(); // a new code …
      const held = await verify(third, await latestCode(t, who.phone));
      expect(held.status).toBe(429); // … is held back all the same
      expect(held.headers.get('retry-after')).toBe('10');
      t.clock.advance(10_000);
      const fourth = await challenge();
      const fresh = await latestCode(t, who.phone);
      expect((await verify(fourth, fresh)).status).toBe(200); // and a complete login forgives the account
      expect((await verify(fourth, fresh)).status).toBe(401); // single use
      const expiring = await challenge();
      const late = await latestCode(t, who.phone);
      t.clock.advance(600_001);
      expect((await verify(expiring, late)).status).toBe(401);
    });

    it('sessions end after 1 h idle, 24 h in all, and on logout', async () => {
      const who = await signUp(t);
      const probe = (grant: Grant) => call(t, 'GET', '/v1/sessions/current', { token: grant.sessionToken });
      const idle = await logIn(t, who);
      t.clock.advance(59 * 60_000);
      expect((await probe(idle)).status).toBe(200);
      t.clock.advance(59 * 60_000); // 118 minutes after login, but never idle for an hour
      expect((await probe(idle)).status).toBe(200);
      t.clock.advance(60 * 60_000 + 1);
      expect((await probe(idle)).status).toBe(401);

      const long = await logIn(t, who);
      for (let hour = 0; hour < 24; hour++) {
        t.clock.advance(3_590_000);
        expect((await probe(long)).status).toBe(200);
      }
      t.clock.advance(240_001); // 24 h after login, used four minutes ago
      expect((await probe(long)).status).toBe(401);

      const short = await logIn(t, who);
      expect((await call(t, 'DELETE', '/v1/sessions/current', { token: short.sessionToken })).status).toBe(204);
      expect((await probe(short)).status).toBe(401);
      expect((await call(t, 'GET', '/v1/sessions/current', { token: 'not-a-token-at-all-really' })).status).toBe(401);
    });

    it('delays a login name after 5 failures, doubling, whether or not it names an account', async () => {
      const who = await signUp(t);
      const unknown = freshContacts().phone;
      for (const login of [who.phone, unknown]) {
        const attempt = (password: string) => call(t, 'POST', '/v1/sessions', { body: { login, password }, headers: from(freshIp()) });
        for (let i = 0; i < 6; i++) expect((await attempt('wrong password!')).status).toBe(401);
        const held = await attempt(who.password); // even the right password is not tried
        expect(held.status).toBe(429);
        expect(held.body).toMatchObject({ code: 'too_many_attempts' });
        expect(held.headers.get('retry-after')).toBe('2');
        t.clock.advance(2000);
        expect((await attempt('wrong password!')).status).toBe(401);
        expect((await attempt(who.password)).headers.get('retry-after')).toBe('4');
        t.clock.advance(4000);
      }
      expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password }, headers: from(freshIp()) })).status).toBe(200);
    });

    it('delays an address after 10 failures, whatever login it tries; other addresses go on', async () => {
      const ip = freshIp();
      for (let i = 0; i < 11; i++) {
        expect((await call(t, 'POST', '/v1/sessions', { body: { login: freshContacts().phone, password: 'wrong password!' }, headers: from(ip) })).status).toBe(401);
      }
      const who = await signUp(t);
      expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password }, headers: from(ip) })).status).toBe(429);
      expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password }, headers: from(freshIp()) })).status).toBe(200);
    });

    it('flags a burst of failures across many login names from one network', async () => {
      const before = (await flags(t, 'credential_stuffing')).length;
      for (let i = 1; i <= 20; i++) {
        await call(t, 'POST', '/v1/sessions', { body: { login: freshContacts().email, password: 'wrong password!' }, headers: from(`203.0.113.${i}`) });
      }
      const raised = await flags(t, 'credential_stuffing');
      expect(raised.length).toBe(before + 1);
      expect(raised[0]?.detail).toMatchObject({ network: '203.0.113.0/24', loginNames: 20 });
    });

    it('limits SMS per destination: a login code over the hourly limit is refused, a sign-up notice silently dropped', async () => {
      const who = await signUp(t); // one SMS
      for (let i = 1; i < SMS_PER_HOUR; i++) expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password } })).status).toBe(200);
      const refused = await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password } });
      expect(refused).toMatchObject({ status: 429, body: { code: 'too_many_codes' } });
      const count = (await outbox(t, who.phone)).length;
      const again = await call(t, 'POST', '/v1/accounts', { body: { phone: who.phone, email: freshContacts().email, password: 'yet another password' } });
      expect(again.status).toBe(202);
      expect(await outbox(t, who.phone)).toHaveLength(count);
      // The e-mail channel still works.
      expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.phone, password: who.password, channel: 'email' } })).status).toBe(200);
    });
  });

  it('changes the password with the current one, ending every session; no secret reaches the logs', async () => {
    const who = await signUp(t);
    const a = await logIn(t, who);
    const b = await logIn(t, who, 'email');
    const wrong = await call(t, 'POST', '/v1/account/password', { token: a.sessionToken, body: { currentPassword: 'not it at all', newPassword: 'a new long password' } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
    const restricted = await call(t, 'POST', '/v1/account/password', { token: b.sessionToken, body: { currentPassword: who.password, newPassword: 'a new long password' } });
    expect(restricted.body).toMatchObject({ code: 'restricted_session' });
    // Issue 17: the SMS session and the password are not enough; an e-mail code is the second thing.
    expect((await call(t, 'POST', '/v1/account/email-code', { token: a.sessionToken, body: { action: 'password' } })).status).toBe(202);
    const emailCode = await latestCode(t, who.email);
    const changed = await call(t, 'POST', '/v1/account/password', {
      token: a.sessionToken,
      body: { currentPassword: who.password, newPassword: 'a new long password', emailCode },
    });
    expect(changed.status).toBe(204);
    for (const grant of [a, b]) expect((await call(t, 'GET', '/v1/sessions/current', { token: grant.sessionToken })).status).toBe(401);
    expect((await outbox(t, who.email))[0]?.text).toMatch(/password was changed/);
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.email, password: 'a new long password' } })).status).toBe(200);

    const logs = t.logText();
    const codes = (await outbox(t, who.phone)).flatMap((m) => /\b([0-9]{6})\b/.exec(m.text)?.[1] ?? []);
    expect(codes.length).toBeGreaterThan(0);
    for (const secret of [who.password, 'a new long password', a.sessionToken, b.sessionToken, emailCode, ...codes]) expect(logs).not.toContain(secret);
  });

  it('serves the outbox newest first, for a number written any way', async () => {
    const who = await signUp(t);
    await logIn(t, who);
    const spaced = `${who.phone.slice(0, 3)} ${who.phone.slice(3, 5)} ${who.phone.slice(5)}`;
    const messages = await outbox(t, spaced);
    expect(messages.map((m) => m.channel)).toEqual(['sms', 'sms']);
    expect(messages[0]?.text).toMatch(/login code/);
    expect(messages[1]?.text).toMatch(/sign-up code/);
    expect(messages[0]).toMatchObject({ to: who.phone, createdAt: expect.any(Number) as unknown });
  });
});

function defaults() {
  return {
    account: { free: 5, baseDelaySeconds: 2, maxDelaySeconds: 900, decaySeconds: 86_400 },
    ip: { free: 10, baseDelaySeconds: 1, maxDelaySeconds: 3600, decaySeconds: 86_400 },
    network: { free: 50, baseDelaySeconds: 1, maxDelaySeconds: 3600, decaySeconds: 86_400 },
  };
}

describe.each(TEST_DIALECTS)('global surge, SMS pumping and password upgrades on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, {
      config: { trustProxy: true, throttle: { globalFailureThreshold: 5 }, messaging: { smsPerPrefixPerHour: 3, smsPrefixDigits: 4 } },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells admins of a surge of failures everywhere and withdraws free failures from every address', async () => {
    for (let i = 0; i < 5; i++) {
      await call(t, 'POST', '/v1/sessions', { body: { login: freshContacts().phone, password: 'wrong password!' }, headers: from(`192.0.2.${i + 1}`) });
    }
    expect(await flags(t, 'login_failure_surge')).toHaveLength(1);
    // 192.0.2.1 failed once: during the surge that already costs a delay.
    const held = await call(t, 'POST', '/v1/sessions', { body: { login: freshContacts().phone, password: 'x-wrong-x' }, headers: from('192.0.2.1') });
    expect(held.status).toBe(429);
    t.clock.advance(600_000); // the window ends
  });

  it('stops texting a number block past its hourly limit and flags SMS pumping', async () => {
    // +4420… numbers: the prefix is "+4420".
    for (let i = 0; i < 5; i++) {
      const reply = await call(t, 'POST', '/v1/accounts', {
        body: { phone: `+44207946${String(i).padStart(4, '0')}`, email: `pump${i}@example.test`, password: GOOD_PASSWORD },
        headers: from(`192.0.2.${100 + i}`),
      });
      expect(reply.status).toBe(202);
    }
    const sent = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await outbox(t, `+44207946${String(i).padStart(4, '0')}`)).length));
    expect(sent).toEqual([1, 1, 1, 0, 0]);
    const [flag] = await flags(t, 'sms_pumping');
    expect(flag?.detail).toMatchObject({ prefix: '+4420' });
  });

  it('shares throttle counters between backend nodes (the database, or Redis when configured)', async () => {
    const redisUrl = process.env.TEGATA_TEST_REDIS_URL;
    const shared = redisUrl === undefined || redisUrl === '' ? {} : { redisUrl, redisKeyPrefix: `tegata-test:${Date.now()}:` };
    const a = await startTestBackend(dialect, { database: t.database, clock: t.clock, config: { trustProxy: true, ...shared } });
    const b = await startTestBackend(dialect, { database: t.database, clock: t.clock, config: { trustProxy: true, ...shared } });
    try {
      const login = freshContacts().phone;
      for (let i = 0; i < 6; i++) {
        const node = i % 2 === 0 ? a : b;
        expect((await call(node, 'POST', '/v1/sessions', { body: { login, password: 'wrong password!' }, headers: from(`192.0.2.${200 + i}`) })).status).toBe(401);
      }
      expect((await call(a, 'POST', '/v1/sessions', { body: { login, password: 'wrong password!' }, headers: from('192.0.2.250') })).status).toBe(429);
      expect((await call(b, 'POST', '/v1/sessions', { body: { login, password: 'wrong password!' }, headers: from('192.0.2.251') })).status).toBe(429);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rehashes a password made with older scrypt parameters at the next login', async () => {
    const who = await signUp(t);
    const before = await t.backend.db.kysely.selectFrom('accounts').select('password_hash').where('id', '=', who.accountId).executeTakeFirstOrThrow();
    expect(before.password_hash).toMatch(/^scrypt\$ln=4,/);
    const upgraded = await startTestBackend(dialect, { database: t.database, clock: t.clock, config: { accounts: { scryptLogN: 6 } } });
    try {
      expect((await call(upgraded, 'POST', '/v1/sessions', { body: { login: who.email, password: who.password } })).status).toBe(200);
    } finally {
      await upgraded.close();
    }
    const after = await t.backend.db.kysely.selectFrom('accounts').select('password_hash').where('id', '=', who.accountId).executeTakeFirstOrThrow();
    expect(after.password_hash).toMatch(/^scrypt\$ln=6,/);
  });
});
