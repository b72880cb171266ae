/**
 * Issue 9 §4: a device name reaches the "phone bound" SMS and e-mail, so control and bidi
 * formatting characters are refused (400 `unsafe_name`, problem+json), and names are quoted in
 * notices so they read as data.
 */
import { toBase64url } from '@tegata/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from './databases.js';
import { bindPhone, call, logIn, outbox, PhoneKey, signUp } from './customers.js';
import { startTestBackend, type TestBackend } from './harness.js';

describe.each(TEST_DIALECTS)('names in notices on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses control and bidi formatting characters in a device name, and binds nothing', async () => {
    const who = await signUp(t);
    const grant = await logIn(t, who);
    const key = new PhoneKey();
    const names = ['Hanako\u202e\u0000enohp', 'a\u0007bell', 'del\u007f', 'c1\u0085', 'mark\u200e', 'mark\u200f', 'embed\u202a', 'isolate\u2066x\u2069', 'alm\u061c', 'tab\there'];
    for (const name of names) {
      const reply = await call(t, 'POST', '/v1/devices', {
        token: grant.sessionToken,
        body: { publicKey: toBase64url(key.publicKey), name, proof: key.proof(grant.sessionToken) },
      });
      expect(reply, JSON.stringify(name)).toMatchObject({ status: 400, body: { code: 'unsafe_name' } });
      expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const devices = await t.backend.db.kysely.selectFrom('devices').select('id').where('account_id', '=', who.accountId).execute();
    expect(devices).toEqual([]);
    expect((await outbox(t, who.email)).some((m) => /bound/.test(m.text))).toBe(false);
  });

  it('quotes names in notices, inner quotes escaped; ordinary Unicode names bind', async () => {
    const who = await signUp(t);
    await bindPhone(t, who, new PhoneKey(), 'Hanako\'s "work" 携帯');
    const text = (await outbox(t, who.email))[0]?.text ?? '';
    expect(text).toContain('A phone ("Hanako\'s \\"work\\" 携帯") was bound');
  });
});
