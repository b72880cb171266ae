/**
 * Adversarial: throttling must not lock the real customer out. An attacker at the customer's
 * own address (a shared NAT, a store's Wi-Fi) fails often enough that the address and the
 * customer's login name are delayed for an hour; a login signed by the customer's bound phone
 * still gets in at once, over HTTP. Customers who log in successfully from a shared address add
 * nothing to its penalty, and failures from one address delay nobody elsewhere. A phone that
 * signs guesses at other people's logins slows only itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../databases.js';
import { bindPhone, call, PhoneKey, signUp, useClientIp } from '../customers.js';
import { startTestBackend, type TestBackend } from '../harness.js';

const NAT = '203.0.113.7';

describe.each(TEST_DIALECTS)('no lock-out of the real customer on %s', (dialect) => {
  let t: TestBackend;
  let serial = 0;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { trustProxy: true, messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 } } });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => useClientIp(undefined));

  /** A customer signed up and bound from an address of their own (sign-ups are limited per address). */
  async function customerWithPhone() {
    useClientIp(`192.0.2.${++serial}`);
    const who = await signUp(t);
    const { key } = await bindPhone(t, who);
    return { who, key };
  }

  const unsigned = (login: string, password: string) => call(t, 'POST', '/v1/sessions', { body: { login, password } });

  it('after an attack from the same address, the customer’s phone-signed login gets in at once', async () => {
    const { who, key } = await customerWithPhone();
    useClientIp(NAT);
    // The attacker at the NAT address obeys every Retry-After, against the customer and others.
    let failures = 0;
    for (let i = 0; failures < 40; i++) {
      const login = i % 2 === 0 ? who.email : `other${i}@elsewhere.test`;
      const reply = await unsigned(login, `guess ${i}`);
      if (reply.status === 401) failures++;
      else {
        expect(reply.status).toBe(429);
        t.clock.advance(Number(reply.headers.get('retry-after')) * 1000);
      }
    }
    // Now the address and the customer's login name are held back…
    const blocked = await unsigned(who.email, who.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);
    // … but the customer's own phone signs the login: a full session, no wait.
    const signed = await key.signed<{ sessionToken: string; scope: string }>(t, 'POST', '/v1/sessions', { login: who.email, password: who.password });
    expect(signed.status).toBe(200);
    expect(signed.body.scope).toBe('full');
  });

  it('a phone signing guesses at someone else’s login is held to its own counter, and the owner still gets in', async () => {
    const victim = await customerWithPhone();
    const attacker = await customerWithPhone();
    useClientIp('198.51.100.20');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await attacker.key.signed(t, 'POST', '/v1/sessions', { login: victim.who.email, password: `guess ${i}` })).status);
    }
    // The account rule's free failures, then the attacker's phone waits (its own counter).
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    // The victim's name was not charged: an unsigned login with the right password is not delayed.
    useClientIp('198.51.100.99');
    expect((await unsigned(victim.who.email, victim.who.password)).status).toBe(200);
    expect((await victim.key.signed(t, 'POST', '/v1/sessions', { login: victim.who.email, password: victim.who.password })).status).toBe(200);
    // An unbound key proves nothing.
    const stranger = new PhoneKey();
    stranger.deviceId = 'ffffffffffffffff';
    expect((await stranger.signed(t, 'POST', '/v1/sessions', { login: victim.who.email, password: victim.who.password })).status).toBe(401);
  });

  it('successes from a shared address add no delay; failures from another address delay nobody here', async () => {
    const customers = [];
    for (let i = 0; i < 15; i++) customers.push((await customerWithPhone()).who);
    useClientIp('198.51.100.66'); // the attacker, elsewhere
    for (let i = 0; i < 60; i++) {
      const reply = await unsigned(`someone${i}@elsewhere.test`, 'leaked');
      if (reply.status === 429) t.clock.advance(Number(reply.headers.get('retry-after')) * 1000);
    }
    let last = await unsigned('one-more@elsewhere.test', 'leaked');
    for (let i = 0; i < 3 && last.status === 401; i++) last = await unsigned(`one-more${i}@elsewhere.test`, 'leaked');
    expect(last.status).toBe(429); // the attacker's address is held back…
    // … and fifteen customers behind a NAT elsewhere, logging in one after another (more than the address's free failures).
    useClientIp('203.0.113.50');
    for (const who of customers) {
      const reply = await unsigned(who.email, who.password);
      expect(reply.status).toBe(200);
    }
    // One of them mistypes twice, then gets it right: still no delay for the next customer.
    expect((await unsigned(customers[0]!.email, 'mistyped')).status).toBe(401);
    expect((await unsigned(customers[0]!.email, 'mistyped again')).status).toBe(401);
    expect((await unsigned(customers[1]!.email, customers[1]!.password)).status).toBe(200);
  });
});
