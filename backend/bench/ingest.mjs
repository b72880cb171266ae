#!/usr/bin/env node
// Journal ingestion benchmark (issue 4): terminal-signed uploads of approved payments in
// batches of 500, each record verified (terminal signature, chain), its token re-verified and
// settled against a wallet — on SQLite, and on PostgreSQL when TEGATA_TEST_PG_URL or
// DATABASE_URL is set. Prints records/s and the ratio to the raw Ed25519 verification rate.
// Run after `npm run build`: node backend/bench/ingest.mjs [records]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  GENESIS_HASH,
  encodeTokenText,
  fromBase64url,
  sealRecord,
  signRequest,
  signToken,
  toBase64url,
  utf8Encode,
} from '@tegata/protocol';
import { nodeEd25519 as ed } from '@tegata/protocol/node';
import { createBackend } from '../dist/backend.js';
import { DEFAULT_CONFIG } from '../dist/config/config.js';
import { uuidv7 } from '../dist/runtime/ids.js';

const RECORDS = Number(process.argv[2] ?? 4000);
const BATCH = 500;
const CUSTOMERS = 25;
const ADMIN = 'bench-admin-token';

function rawVerifyRate() {
  const seed = randomBytes(32);
  const publicKey = ed.publicKeyFromSeed(seed);
  const message = randomBytes(140);
  const signature = ed.sign(seed, message);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) ed.verify(publicKey, message, signature);
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

async function run(label, databaseConfig) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tegata-bench-'));
  const config = {
    ...DEFAULT_CONFIG,
    dev: true,
    port: 0,
    adminToken: ADMIN,
    logLevel: 'error',
    dataDir,
    ...databaseConfig,
  };
  const backend = await createBackend({ config });
  const url = await backend.listen();
  const call = async (method, target, body, headers = {}) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const response = await fetch(url + target, {
      method,
      headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: text,
    });
    if (!response.ok) throw new Error(`${method} ${target} → ${response.status} ${await response.text()}`);
    return response.json();
  };
  const admin = (method, target, body) => call(method, target, body, { authorization: `Bearer ${ADMIN}` });
  try {
    const store = await admin('POST', '/v1/admin/stores', { name: 'bench' });
    const { code } = await admin('POST', `/v1/admin/stores/${store.id}/enrollment-codes`);
    const terminalSeed = randomBytes(32);
    const enrolled = await call('POST', '/v1/terminals/enroll', {
      code,
      publicKey: toBase64url(ed.publicKeyFromSeed(terminalSeed)),
      name: 'bench till',
    });
    const trustSerial = JSON.parse(Buffer.from(enrolled.trust.payload, 'base64url').toString('utf8')).serial;

    const phones = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const account = await admin('POST', '/v1/dev/accounts');
      await admin('POST', `/v1/admin/accounts/${account.accountId}/credit`, { amount: 10_000_000 });
      const deviceSeed = randomBytes(32);
      const bound = await admin('POST', `/v1/dev/accounts/${account.accountId}/devices`, {
        publicKey: toBase64url(ed.publicKeyFromSeed(deviceSeed)),
      });
      phones.push({ deviceSeed, certificate: fromBase64url(bound.certificate), counter: 1 });
    }

    const now = Math.floor(Date.now() / 1000);
    let head = { seq: 0, hash: GENESIS_HASH };
    const records = [];
    for (let i = 0; i < RECORDS; i++) {
      const phone = phones[i % phones.length];
      const token = encodeTokenText(
        signToken(ed, phone.deviceSeed, { certificate: phone.certificate, issuedAt: now, counter: phone.counter++, ttl: 60 }),
      );
      const createdAt = Date.now();
      const record = sealRecord(ed, terminalSeed, {
        id: uuidv7({ nowMs: () => createdAt }, { bytes: (n) => new Uint8Array(randomBytes(n)) }),
        terminalId: enrolled.terminalId,
        seq: head.seq + 1,
        kind: 'payment',
        createdAt,
        amount: 100,
        currency: 392,
        token,
        decision: 'approved',
        reason: null,
        ref: null,
        trustSerial,
        authorization: null,
        prevHash: head.hash,
      });
      head = { seq: record.seq, hash: record.hash };
      records.push(record);
    }
    const bodies = [];
    for (let i = 0; i < records.length; i += BATCH) bodies.push(JSON.stringify({ records: records.slice(i, i + BATCH) }));

    const start = performance.now();
    let settled = 0;
    for (const body of bodies) {
      const target = '/v1/terminal/journal';
      const headers = signRequest(ed, terminalSeed, 'terminal', {
        method: 'POST',
        target,
        timestampMs: Date.now(),
        principalId: enrolled.terminalId,
        body: utf8Encode(body),
      });
      const response = await fetch(url + target, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      const reply = await response.json();
      if (!response.ok) throw new Error(`journal → ${response.status} ${JSON.stringify(reply)}`);
      settled += reply.results.filter((r) => r.status === 'accepted').length;
    }
    const seconds = (performance.now() - start) / 1000;
    if (settled !== RECORDS) throw new Error(`only ${settled} of ${RECORDS} accepted`);
    const outcomes = await backend.db.kysely.selectFrom('settlements').select('outcome').execute();
    if (outcomes.some((o) => o.outcome !== 'settled')) throw new Error('not every payment settled');
    return { label, perSecond: RECORDS / seconds, seconds };
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [await run('SQLite', {})];
const pgUrl = process.env.TEGATA_TEST_PG_URL || process.env.DATABASE_URL;
if (pgUrl) {
  const schema = `bench_${Date.now().toString(36)}`;
  try {
    results.push(await run('PostgreSQL', { databaseUrl: pgUrl, databaseSchema: schema }));
  } finally {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
}
const verify = rawVerifyRate();
// JSON rows for scripts/bench.mjs, which prints one table for every package.
const row = (name, value, unit, target) => console.log(JSON.stringify({ package: 'backend', name, value, unit, ...(target ? { target } : {}) }));
row('raw Ed25519 verify (each record costs 2: record + token)', verify, 'ops/s');
for (const r of results) {
  row(`journal ingestion + settlement, ${r.label} (batches of ${BATCH})`, r.perSecond, 'records/s', '≥ 2,000');
  row(`  ratio to raw verify rate, ${r.label}`, r.perSecond / verify, 'ratio');
}
