import { parseCertificate, fromBase64url } from '@tegata/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../src/keys/keyFiles.js';
import { TrustService } from '../src/trust/trustService.js';
import { createCustomer, TestTerminal } from './actors.js';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';

const DAY = 86_400_000;

describe.each(TEST_DIALECTS)('trust bundles on %s', (dialect) => {
  let t: TestBackend;
  let terminal: TestTerminal;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
    terminal = await TestTerminal.enrolled(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const serial = async (): Promise<number> => (await t.backend.trust.current())?.serial ?? 0;

  it('signs a new serial only when something changed', async () => {
    const before = await serial();
    await t.backend.trust.tick();
    await t.backend.trust.tick();
    expect(await serial()).toBe(before);
  });

  it('lists a revoked device at once, with the newest certificate’s not_after as until', async () => {
    const customer = await createCustomer(t, 1000);
    const before = await serial();
    await t.admin('POST', `/v1/admin/devices/${customer.deviceId}/revoke`);
    const bundle = await terminal.refreshTrust();
    expect(bundle.serial).toBe(before + 1);
    expect(bundle.revokedDevices).toContainEqual({ deviceId: customer.deviceId, until: customer.phone.certificate.notAfter });
    // Revoking again changes nothing.
    await t.admin('POST', `/v1/admin/devices/${customer.deviceId}/revoke`);
    expect(await serial()).toBe(before + 1);
    expect((await t.request('POST', '/v1/admin/devices/0000000000000000/revoke', { admin: true })).status).toBe(404);
  });

  it('rotates the issuer and keeps the old one listed until its certificates have expired', async () => {
    const old = await createCustomer(t, 1000);
    const oldKid = old.phone.certificate.issuerKid;
    const rotated = await t.admin<{ kid: string; serial: number }>('POST', '/v1/admin/keys/rotate');
    expect(rotated.kid).not.toBe(oldKid);
    const bundle = await terminal.refreshTrust();
    expect(bundle.serial).toBe(rotated.serial);
    const kids = bundle.issuers.map((issuer) => issuer.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(rotated.kid);
    const oldWindow = bundle.issuers.find((issuer) => issuer.kid === oldKid);
    expect(oldWindow?.notAfter).toBe(t.clock.nowS()); // closed for signing now

    const fresh = await createCustomer(t, 1000);
    expect(fresh.phone.certificate.issuerKid).toBe(rotated.kid);

    // After the longest certificate lifetime + skew the old key is no longer listed (and
    // after until + 2·skew, the device revoked in the previous test neither).
    const { certificateLifetimeSeconds } = t.backend.config.keys;
    t.clock.advance((certificateLifetimeSeconds + 2 * t.backend.config.policy.clockSkewSeconds + 1) * 1000);
    await t.backend.trust.tick();
    const later = await terminal.refreshTrust();
    expect(later.issuers.map((issuer) => issuer.kid)).not.toContain(oldKid);
    // The revoked device of the previous test is dropped after until + 2·skew, too.
    expect(later.revokedDevices).toEqual([]);
  });

  it('re-signs on the timer before expiry, and dev mode renews its delegation before it ends', async () => {
    const { lifetimeSeconds, refreshBeforeSeconds } = t.backend.config.trust;
    const current = await t.backend.trust.current();
    const issuedAt = current?.document.issuedAt ?? 0;
    t.clock.set((issuedAt + lifetimeSeconds - refreshBeforeSeconds + 1) * 1000);
    await t.backend.trust.tick();
    const renewed = await t.backend.trust.current();
    expect(renewed?.serial).toBe((current?.serial ?? 0) + 1);
    expect(renewed?.document.issuedAt).toBe(t.clock.nowS());

    // 24 days in, the 30-day delegation is within the 7-day warning: dev mode delegates anew.
    t.clock.advance(24 * DAY);
    expect(t.backend.trust.warnings().join('\n')).toMatch(/bundle key delegation ends in/);
    await t.backend.trust.tick();
    expect(t.backend.trust.warnings()).toEqual([]);
    expect(t.backend.trust.keyring.bundleKeys.length).toBeGreaterThanOrEqual(2);
    const status = await t.admin<{ warnings: string[]; trustSerial: number }>('GET', '/v1/admin/keys');
    expect(status.warnings).toEqual([]);
    expect(status.trustSerial).toBe(await serial());
    expect((await t.request('GET', '/readyz')).status).toBe(200);
  });

  it('never publishes one serial twice when two nodes sign at once', async () => {
    const { context } = t.backend;
    const other = new TrustService(
      { ...context, loadKeyring: () => loadKeyring(context.trust.keyring.directory, context.ed) },
      loadKeyring(context.trust.keyring.directory, context.ed),
    );
    const start = await serial();
    const signed = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? t.backend.trust : other).rebuild('race', { force: true })),
    );
    const serials = signed.map((bundle) => bundle.serial).sort((a, b) => a - b);
    expect(new Set(serials).size).toBe(6);
    expect(serials[0]).toBeGreaterThan(start);
    expect(await serial()).toBe(start + 6);
  });

  it('issues certificates that parse with the protocol package', async () => {
    const customer = await createCustomer(t, 5000);
    const cert = customer.phone.certificate;
    expect(cert.deviceId).toBe(customer.deviceId);
    expect(cert.perPaymentLimit).toBe(5000); // never above the balance
    expect(parseCertificate(fromBase64url(Buffer.from(cert.bytes).toString('base64url')) ?? new Uint8Array(0)).notAfter).toBe(cert.notAfter);
  });
});
