#!/usr/bin/env node
// Risk figures of issue 17 point 7: the attacks of issue 17, run over HTTP against a dev
// backend (SQLite) with a register, for an attacker holding
//   1. the victim's password and SMS (a SIM swap),
//   2. the password, the SMS and the e-mail inbox,
//   3. the password and the SMS, with the SIM-swap check flipped (the fake reports the swap).
// For each it prints the money the attacker moved (online approvals plus the offline limits
// of certificates its phones hold), whether the victim's password still works, and whether the
// victim keeps the account (logs in, or takes it back with its own phone and the e-mail code).
// Run after `npm run build`: node backend/bench/takeover.mjs
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeTokenText, fromBase64url, signRequest, signToken, toBase64url, utf8Encode } from '@tegata/protocol';
import { nodeEd25519 as ed } from '@tegata/protocol/node';
import { createBackend } from '../dist/backend.js';
import { DEFAULT_CONFIG } from '../dist/config/config.js';

const ADMIN = 'bench-admin-token-0123456789abcdefghij';
const PASSWORD = 'victim passphrase 2019';
const ATTACKER_PASSWORD = 'attacker passphrase 1';

async function scenario(label, { email, simSwapped }) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tegata-takeover-'));
  const config = {
    ...DEFAULT_CONFIG,
    dev: true,
    port: 0,
    adminToken: ADMIN,
    logLevel: 'silent',
    dataDir,
    accounts: { ...DEFAULT_CONFIG.accounts, scryptLogN: 10 },
    messaging: { ...DEFAULT_CONFIG.messaging, smsPerDestinationPerHour: 100, smsPerDestinationPerDay: 200, emailPerDestinationPerHour: 100 },
    simSwap: { ...DEFAULT_CONFIG.simSwap, provider: 'fake' },
  };
  const backend = await createBackend({ config });
  const url = await backend.listen();
  const call = async (method, target, { body, token, headers = {} } = {}) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const response = await fetch(url + target, {
      method,
      headers: {
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: text,
    });
    const raw = await response.text();
    return { status: response.status, body: raw === '' ? {} : JSON.parse(raw) };
  };
  const admin = (method, target, body) => call(method, target, { body, headers: { authorization: `Bearer ${ADMIN}` } });
  const latestCode = async (to) => {
    const { body } = await call('GET', `/v1/dev/outbox?to=${encodeURIComponent(to)}`);
    for (const message of body.messages) {
      const code = /\b([0-9]{6})\b/.exec(message.text)?.[1];
      if (code !== undefined) return code;
    }
    return '000000';
  };
  const login = async (who, password, channel = 'sms') => {
    const started = await call('POST', '/v1/sessions', { body: { login: who.phone, password, channel } });
    if (started.status !== 200) return undefined;
    const verified = await call('POST', '/v1/sessions/verify', {
      body: { challengeId: started.body.challengeId, code: await latestCode(channel === 'sms' ? who.phone : who.email) },
    });
    return verified.status === 200 ? verified.body.sessionToken : undefined;
  };
  const newPhone = () => {
    const seed = new Uint8Array(randomBytes(32));
    return { seed, publicKey: ed.publicKeyFromSeed(seed), counter: 1, deviceId: '', certificate: undefined, cumulativeLimit: 0 };
  };
  const bind = async (token, phone, extra = {}, signer) => {
    const body = {
      publicKey: toBase64url(phone.publicKey),
      name: 'phone',
      proof: toBase64url(ed.sign(phone.seed, utf8Encode(`tegata/bind/v1${token}`))),
      ...extra,
    };
    const text = JSON.stringify(body);
    const headers = signer === undefined ? {} : signRequest(ed, signer.seed, 'device', { method: 'POST', target: '/v1/devices', timestampMs: Date.now(), principalId: signer.deviceId, body: utf8Encode(text) });
    const response = await fetch(`${url}/v1/devices`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: text });
    const reply = await response.json();
    if (response.status === 201) Object.assign(phone, { deviceId: reply.deviceId, certificate: fromBase64url(reply.certificate), cumulativeLimit: reply.cumulativeLimit });
    return response.status;
  };

  try {
    // The register.
    const store = await admin('POST', '/v1/admin/stores', { name: 'takeover bench' });
    const { code } = (await admin('POST', `/v1/admin/stores/${store.body.id}/enrollment-codes`)).body;
    const terminalSeed = new Uint8Array(randomBytes(32));
    const enrolled = (await call('POST', '/v1/terminals/enroll', { body: { code, publicKey: toBase64url(ed.publicKeyFromSeed(terminalSeed)), name: 'till' } })).body;
    let sale = 0;
    const authorize = async (phone, amount) => {
      if (phone.certificate === undefined) return false;
      const token = encodeTokenText(signToken(ed, phone.seed, { certificate: phone.certificate, issuedAt: Math.floor(Date.now() / 1000), counter: phone.counter++, ttl: 60 }));
      const text = JSON.stringify({ saleId: `sale-${++sale}`, token, amount, currency: 392 });
      const headers = signRequest(ed, terminalSeed, 'terminal', { method: 'POST', target: '/v1/terminal/authorize', timestampMs: Date.now(), principalId: enrolled.terminalId, body: utf8Encode(text) });
      const response = await fetch(`${url}/v1/terminal/authorize`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: text });
      return (await response.json()).decision === 'approved';
    };

    // The victim: an account with ¥30,000 and its phone, bound long ago.
    const victim = { phone: `+8190${String(Date.now()).slice(-8)}`, email: `victim.${Date.now()}@example.test` };
    await call('POST', '/v1/accounts', { body: { ...victim, password: PASSWORD } });
    const created = await call('POST', '/v1/accounts/verify', { body: { phone: victim.phone, smsCode: await latestCode(victim.phone), emailCode: await latestCode(victim.email) } });
    const accountId = created.body.accountId;
    await admin('POST', `/v1/admin/accounts/${accountId}/credit`, { amount: 30_000 });
    const own = newPhone();
    await bind(await login(victim, PASSWORD), own);
    await backend.db.kysely.updateTable('devices').set({ bound_at: Date.now() - 49 * 3_600_000 }).where('id', '=', own.deviceId).execute();
    if (simSwapped) await admin('POST', '/v1/dev/sim-swaps', { phone: victim.phone });

    // The attacker: the password and the SMS (and the inbox when `email`).
    let moved = 0;
    const phones = [];
    const sms = await login(victim, PASSWORD);
    if (sms !== undefined) {
      // Bind at once; five binds in a row; each from its own SMS session.
      for (let i = 0; i < 5; i++) {
        const token = i === 0 ? sms : await login(victim, PASSWORD);
        if (token === undefined) break;
        const phone = newPhone();
        let extra = {};
        if (email) {
          await call('POST', '/v1/account/email-code', { token, body: { action: 'bind' } });
          extra = { emailCode: await latestCode(victim.email) };
        }
        if ((await bind(token, phone, extra)) === 201) phones.push(phone);
      }
      // Drain online and offline.
      for (const phone of phones) {
        moved += phone.cumulativeLimit; // what an unsynced register accepts offline
        for (let i = 0; i < 3; i++) if (await authorize(phone, 10_000)) moved += 10_000;
      }
      // Take the account: a password change from the SMS session …
      const session = await login(victim, PASSWORD);
      if (session !== undefined) {
        let extra = {};
        if (email) {
          await call('POST', '/v1/account/email-code', { token: session, body: { action: 'password' } });
          extra = { emailCode: await latestCode(victim.email) };
        }
        await call('POST', '/v1/account/password', { token: session, body: { currentPassword: PASSWORD, newPassword: ATTACKER_PASSWORD, ...extra } });
      }
      // … or a reset with the SMS code (and the e-mail code, or guesses at it).
      await call('POST', '/v1/password-resets', { body: { login: victim.phone } });
      const smsCode = await latestCode(victim.phone);
      const emailCode = email ? await latestCode(victim.email) : '123456';
      await call('POST', '/v1/password-resets/confirm', { body: { login: victim.phone, smsCode, emailCode, newPassword: `${ATTACKER_PASSWORD} 2` } });
    }
    // Can the victim still log in with its own password (and the e-mail code, its channel)?
    const started = await call('POST', '/v1/sessions', { body: { login: victim.email, password: PASSWORD, channel: 'email' } });
    const victimCanLogIn = started.status === 200;
    // If not, the victim takes the account back: a reset confirmed by its own phone and the
    // e-mail code (its SMS may be the attacker's), then a login with the new password.
    let victimKeepsAccount = victimCanLogIn;
    if (!victimCanLogIn) {
      await call('POST', '/v1/password-resets', { body: { login: victim.email } });
      const text = JSON.stringify({ login: victim.email, emailCode: await latestCode(victim.email), newPassword: 'victim takes it back 2026' });
      const headers = signRequest(ed, own.seed, 'device', { method: 'POST', target: '/v1/password-resets/confirm', timestampMs: Date.now(), principalId: own.deviceId, body: utf8Encode(text) });
      const reset = await fetch(`${url}/v1/password-resets/confirm`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: text });
      const again = await call('POST', '/v1/sessions', { body: { login: victim.email, password: 'victim takes it back 2026', channel: 'email' } });
      victimKeepsAccount = reset.status === 204 && again.status === 200;
    }
    // Whatever the attacker bound: none of it may pay once the victim has acted.
    for (const phone of phones) if (await authorize(phone, 100)) moved += 100;
    const ownStillPays = await authorize(own, 100);
    return { label, moved, victimCanLogIn, victimKeepsAccount, ownStillPays };
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows = [
  await scenario('password + SMS', { email: false, simSwapped: false }),
  await scenario('password + SMS + e-mail', { email: true, simSwapped: false }),
  await scenario('password + SMS, SIM swap flagged', { email: false, simSwapped: true }),
];
for (const row of rows) {
  console.log(JSON.stringify({ package: 'backend', name: `takeover: ${row.label}: money moved`, value: row.moved, unit: 'JPY', target: '0' }));
  console.log(JSON.stringify({ package: 'backend', name: `takeover: ${row.label}: victim's password still works`, value: row.victimCanLogIn ? 1 : 0, unit: 'yes=1', target: 'informational' }));
  console.log(JSON.stringify({ package: 'backend', name: `takeover: ${row.label}: victim keeps the account`, value: row.victimKeepsAccount ? 1 : 0, unit: 'yes=1', target: '1' }));
  console.log(JSON.stringify({ package: 'backend', name: `takeover: ${row.label}: victim phone pays`, value: row.ownStillPays ? 1 : 0, unit: 'yes=1', target: '1' }));
}
