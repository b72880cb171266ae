// Protocol benchmarks: Ed25519 rates and full stage B verification, with and without the
// certificate cache. Prints JSON rows (one per line) for scripts/bench.mjs to tabulate.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CertificateCache,
  createTokenVerifier,
  fromBase64url,
  tokenSigningInput,
  decodeTokenText,
  parseToken,
  tweetnaclEd25519,
  verifyTrustBundle,
} from '../dist/index.js';
import { nodeEd25519 } from '../dist/node/index.js';

const fixture = (path) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const vectors = fixture('vectors/tokens.json');
const vector = vectors.vectors.find((v) => v.name === 'valid_basic');
const trusted = verifyTrustBundle(nodeEd25519, fixture('trust/TEST-ONLY-trust-bundle.json'), [fromBase64url(vectors.rootPublicKey)]);
if (!trusted.ok) throw new Error('fixture bundle refused');
const bundle = trusted.bundle.document;

const decoded = decodeTokenText(vector.token);
const token = parseToken(decoded.bytes);
const message = tokenSigningInput(decoded.bytes);
const devicePublicKey = token.certificate.devicePublicKey;
const signature = token.signature;

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up) and returns ops/s. */
function rate(fn, ms = Number(process.env.TEGATA_BENCH_MS ?? 1500)) {
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

function check(ok) {
  if (!ok) throw new Error('benchmark input did not verify');
}

const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), devicePublicKey]);
const rawKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
const raw = rate(() => check(verify(null, message, rawKey, signature)));
const nacl = rate(() => check(tweetnaclEd25519.verify(devicePublicKey, message, signature)), 1000);
const wrapped = rate(() => check(nodeEd25519.verify(devicePublicKey, message, signature)));

const input = { text: vector.token, bundle, now: vector.now, amount: 1200, currency: 392 };
const cached = createTokenVerifier({ ed25519: nodeEd25519 });
const withCache = rate(() => check(cached.verify(input).ok));
const coldCache = new CertificateCache();
const uncached = createTokenVerifier({ ed25519: nodeEd25519, certificateCache: coldCache });
const withoutCache = rate(() => {
  coldCache.clear();
  check(uncached.verify(input).ok);
});

const rows = [
  { name: 'Ed25519 verify, tweetnacl', value: nacl, unit: 'ops/s' },
  { name: 'Ed25519 verify, raw node:crypto', value: raw, unit: 'ops/s' },
  { name: 'Ed25519 verify, strict node:crypto wrapper', value: wrapped, unit: 'ops/s' },
  { name: 'token verify (stage B), no certificate cache', value: withoutCache, unit: 'ops/s' },
  { name: 'token verify (stage B), certificate cache', value: withCache, unit: 'ops/s' },
  { name: 'token verify with cache ÷ raw node:crypto verify', value: withCache / raw, unit: 'ratio', target: '≥ 0.8' },
  { name: 'node:crypto ÷ tweetnacl', value: raw / nacl, unit: 'ratio' },
];
for (const row of rows) console.log(JSON.stringify({ package: 'protocol', ...row }));
