/**
 * Step 2 of issue 5: binding a phone after 2-step verification, certificates (limits from
 * risk and balance, at most two unexpired, renewal in the last quarter, device-signed), removal.
 */
import { parseCertificate, fromBase64url, toBase64url, verifyTrustBundle } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/domain/certificates.js';
import { TEST_DIALECTS } from './databases.js';
import { ageDevice, bindPhone, call, logIn, outbox, PhoneKey, signUp, tryBind, type Bound } from './customers.js';
import { startTestBackend, type TestBackend } from './harness.js';

const DAY = 86_400_000;

describe.each(TEST_DIALECTS)('devices and certificates on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect, { config: { messaging: { smsPerDestinationPerHour: 50, smsPerDestinationPerDay: 100 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  const credit = (accountId: string, amount: number) => t.admin('POST', `/v1/admin/accounts/${accountId}/credit`, { amount });
  const bindBody = (key: PhoneKey, token: string, name = 'phone') => ({ publicKey: toBase64url(key.publicKey), name, proof: key.proof(token) });

  async function revokedInBundle(): Promise<string[]> {
    const bundle = await t.backend.trust.current();
    if (bundle === undefined) throw new Error('no bundle');
    const verified = verifyTrustBundle(nodeEd25519, bundle.signed, [t.backend.trust.rootPublicKey]);
    if (!verified.ok) throw new Error('bad bundle');
    return verified.bundle.document.revokedDevices.map((d) => d.deviceId);
  }

  it('binds a phone after an SMS login with a proof of possession, and tells the customer on both channels', async () => {
    const who = await signUp(t);
    await credit(who.accountId, 50_000);
    const { key, bound } = await bindPhone(t, who, new PhoneKey(), 'Hanako’s Pixel');
    expect(bound.deviceId).toMatch(/^[0-9a-f]{16}$/);
    const cert = parseCertificate(fromBase64url(bound.certificate) ?? new Uint8Array());
    expect(toBase64url(cert.devicePublicKey)).toBe(toBase64url(key.publicKey));
    expect(cert.notAfter - cert.notBefore).toBe(72 * 3600);
    // A new account: the lower limits.
    expect([cert.perPaymentLimit, cert.cumulativeLimit]).toEqual([10_000, 20_000]);
    expect((await outbox(t, who.phone))[0]?.text).toMatch(/A phone \("Hanako’s Pixel"\) was bound/);
    expect((await outbox(t, who.email))[0]?.text).toMatch(/A phone \("Hanako’s Pixel"\) was bound/);
    const history = await t.backend.db.kysely.selectFrom('device_history').selectAll().where('device_id', '=', bound.deviceId).execute();
    expect(history).toEqual([expect.objectContaining({ event: 'bound', ip: '127.0.0.1', user_agent: expect.any(String) as unknown })]);
  });

  it('never sets limits above the balance, and gives older accounts the standard limits', async () => {
    const who = await signUp(t);
    await credit(who.accountId, 3000);
    const first = await bindPhone(t, who);
    expect(first.bound).toMatchObject({ perPaymentLimit: 3000, cumulativeLimit: 3000 });
    await credit(who.accountId, 100_000);
    // 31 days later (moving the account back rather than the clock, which would outlive the keys).
    await t.backend.db.kysely.updateTable('accounts').set({ created_at: t.clock.nowMs() - 31 * DAY }).where('id', '=', who.accountId).execute();
    // Issue 17: a replacement is signed by the established phone (bound at least the hold ago).
    await ageDevice(t, first.bound.deviceId, 2 * DAY);
    expect((await tryBind(t, who, { signer: first.key })).reply.body).toMatchObject({ perPaymentLimit: 30_000, cumulativeLimit: 50_000 });
  });

  it('refuses without a recent SMS login, with a bad proof, or with an unacceptable key', async () => {
    const who = await signUp(t);
    const key = new PhoneKey();
    const restricted = await logIn(t, who, 'email');
    expect(await call(t, 'POST', '/v1/devices', { token: restricted.sessionToken, body: bindBody(key, restricted.sessionToken) })).toMatchObject({
      status: 403,
      body: { code: 'restricted_session' },
    });
    const sms = await logIn(t, who);
    const otherToken = (await logIn(t, who)).sessionToken;
    expect(await call(t, 'POST', '/v1/devices', { token: sms.sessionToken, body: bindBody(key, otherToken) })).toMatchObject({
      status: 400,
      body: { code: 'bad_proof' },
    });
    const identity = new Uint8Array(32);
    identity[0] = 1; // the identity point: small order
    const small = { publicKey: toBase64url(identity), name: 'x', proof: key.proof(sms.sessionToken) };
    expect((await call(t, 'POST', '/v1/devices', { token: sms.sessionToken, body: small })).body).toMatchObject({ code: 'unacceptable_public_key' });
    const nonCanonical = { ...small, publicKey: toBase64url(new Uint8Array(32).fill(0xff).fill(0x7f, 31)) };
    expect((await call(t, 'POST', '/v1/devices', { token: sms.sessionToken, body: nonCanonical })).body).toMatchObject({ code: 'unacceptable_public_key' });
    t.clock.advance(10 * 60_000 + 1);
    expect(await call(t, 'POST', '/v1/devices', { token: sms.sessionToken, body: bindBody(key, sms.sessionToken) })).toMatchObject({
      status: 403,
      body: { code: 'sms_verification_required' },
    });
    expect((await call(t, 'POST', '/v1/devices', { body: bindBody(key, 'x'.repeat(43)) })).status).toBe(401);
  });

  it('keeps one payment device: binding another revokes the first, listed in the next bundle', async () => {
    const who = await signUp(t);
    const first = await bindPhone(t, who);
    // Issue 17: the replacement is signed by the established first phone.
    await ageDevice(t, first.bound.deviceId, 2 * DAY);
    const second = await tryBind(t, who, { signer: first.key });
    expect(second.reply.status).toBe(201);
    const devices = await call<{ devices: { deviceId: string; status: string }[] }>(t, 'GET', '/v1/devices', { token: second.grant.sessionToken });
    expect(devices.body.devices.map((d) => [d.deviceId, d.status])).toEqual([
      [second.key.deviceId, 'active'],
      [first.bound.deviceId, 'revoked'],
    ]);
    expect(await revokedInBundle()).toContain(first.bound.deviceId);
    const reused = await call(t, 'POST', '/v1/devices', { token: (await logIn(t, who)).sessionToken, body: { ...bindBody(first.key, 'x'), proof: '' } });
    expect(reused.status).toBe(400);
  });

  it('renews only in the last quarter, only by a device-signed request of that active device', async () => {
    const who = await signUp(t);
    await credit(who.accountId, 5000);
    const { key, bound } = await bindPhone(t, who);
    const renew = (signer = key) => signer.signed<Bound & { code?: string; renewableAt?: number }>(t, 'POST', `/v1/devices/${key.deviceId}/certificate`);
    const early = await renew();
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'renewal_too_early', renewableAt: bound.notBefore + 54 * 3600 });
    t.clock.set((bound.notBefore + 54 * 3600) * 1000);
    // Issue 17 point 6: the first certificate's ¥5,000 still counts until it expires, so the
    // renewal gets only what the wallet holds beyond it.
    await credit(who.accountId, 5000);
    const renewed = await renew();
    expect(renewed.status).toBe(200);
    expect(renewed.body.notBefore).toBe(bound.notBefore + 54 * 3600);
    expect(renewed.body.perPaymentLimit).toBe(5000);
    expect((await renew()).body).toMatchObject({ code: 'renewal_too_early' }); // the new one is the current one now

    // Someone else's device cannot renew this one; an unsigned request is refused.
    const other = (await bindPhone(t, await signUp(t))).key;
    const foreign = await other.signed(t, 'POST', `/v1/devices/${key.deviceId}/certificate`);
    expect(foreign).toMatchObject({ status: 403, body: { code: 'wrong_device' } });
    expect((await call(t, 'POST', `/v1/devices/${key.deviceId}/certificate`)).status).toBe(401);
  });

  it('holds at most two unexpired certificates per device', async () => {
    const who = await signUp(t);
    const { bound } = await bindPhone(t, who);
    await issueCertificate(t.backend.context, bound.deviceId); // a second one
    await expect(issueCertificate(t.backend.context, bound.deviceId)).rejects.toThrow(/too_many_certificates/);
    t.clock.advance(72 * 3600_000 + 1000); // both expire
    await expect(issueCertificate(t.backend.context, bound.deviceId)).resolves.toMatchObject({ deviceId: bound.deviceId });
  });

  it('removes a lost phone from either session scope; it can no longer renew', async () => {
    const who = await signUp(t);
    const { key, bound } = await bindPhone(t, who);
    const restricted = await logIn(t, who, 'email');
    const stranger = await logIn(t, await signUp(t));
    expect((await call(t, 'DELETE', `/v1/devices/${bound.deviceId}`, { token: stranger.sessionToken })).status).toBe(404);
    expect((await call(t, 'DELETE', `/v1/devices/${bound.deviceId}`, { token: restricted.sessionToken })).status).toBe(204);
    expect((await call(t, 'DELETE', `/v1/devices/${bound.deviceId}`, { token: restricted.sessionToken })).status).toBe(204); // idempotent
    expect(await revokedInBundle()).toContain(bound.deviceId);
    expect((await outbox(t, who.email))[0]?.text).toMatch(/was removed from your Tegata wallet/);
    t.clock.set((bound.notBefore + 60 * 3600) * 1000);
    expect(await key.signed(t, 'POST', `/v1/devices/${bound.deviceId}/certificate`)).toMatchObject({ status: 403, body: { code: 'device_revoked' } });
    const history = await t.backend.db.kysely.selectFrom('device_history').select('event').where('device_id', '=', bound.deviceId).orderBy('at').execute();
    expect(history.map((h) => h.event)).toEqual(['bound', 'revoked']);
  });

  it('logs in with the password and a request signed by the bound phone, even while the login name is delayed', async () => {
    const who = await signUp(t);
    const { key } = await bindPhone(t, who);
    for (let i = 0; i < 8; i++) await call(t, 'POST', '/v1/sessions', { body: { login: who.email, password: 'an attacker guessing' } });
    expect((await call(t, 'POST', '/v1/sessions', { body: { login: who.email, password: who.password } })).status).toBe(429);
    const signed = await key.signed<{ sessionToken: string; scope: string }>(t, 'POST', '/v1/sessions', { login: who.email, password: who.password });
    expect(signed.status).toBe(200);
    expect(signed.body.scope).toBe('full');
    const current = await call(t, 'GET', '/v1/sessions/current', { token: signed.body.sessionToken });
    expect(current.body).toMatchObject({ secondFactor: 'device' });
    // A device session is no SMS verification: it cannot bind another phone.
    const another = new PhoneKey();
    expect((await call(t, 'POST', '/v1/devices', { token: signed.body.sessionToken, body: bindBody(another, signed.body.sessionToken) })).body).toMatchObject({
      code: 'sms_verification_required',
    });
    expect((await key.signed(t, 'POST', '/v1/sessions', { login: who.email, password: 'wrong!wrong!' })).status).toBe(401);
  });
});
