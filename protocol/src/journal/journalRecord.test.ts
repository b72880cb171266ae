import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { seededRandom, type SeededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import { tweetnaclEd25519 } from '../crypto/ed25519Tweetnacl.js';
import { toBase32 } from '../encoding.js';
import { nodeEd25519 } from '../node/ed25519Node.js';
import {
  GENESIS_HASH,
  computeRecordHash,
  journalHashInput,
  parseJournalRecord,
  sealRecord,
  signRecordHash,
  verifyChain,
  verifyRecord,
  type JournalRecord,
  type UnsignedJournalRecord,
} from './journalRecord.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const OTHER_SEED = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
const PUBLIC_KEY = nodeEd25519.publicKeyFromSeed(SEED);
const PUBLIC_KEY_B64URL = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ';
const TOKEN = 'TG1' + toBase32(Uint8Array.from({ length: 204 }, (_, i) => i));

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Independent check with node:crypto directly: Ed25519 over "tegata/journal/v1" ‖ hash bytes. */
function nodeCryptoVerifies(hashHex: string, signatureB64url: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: PUBLIC_KEY_B64URL }, format: 'jwk' });
  const message = Buffer.concat([Buffer.from('tegata/journal/v1', 'ascii'), Buffer.from(hashHex, 'hex')]);
  return nodeVerify(null, message, key, Buffer.from(signatureB64url, 'base64url'));
}

const firstUnsigned: UnsignedJournalRecord = {
  id: '01937a2b-3c4d-7e5f-8a6b-0c1d2e3f4a5b',
  terminalId: 'term-01_A',
  seq: 1,
  kind: 'payment',
  createdAt: 1764115200123,
  amount: 1200,
  currency: 392,
  token: null,
  decision: 'declined',
  reason: 'malformed',
  ref: null,
  trustSerial: 42,
  authorization: null,
  prevHash: GENESIS_HASH,
};
const FIRST_HASH = '30b28616f753368f67c3ea19725203fb98abc6da97d58004ec21ec7fcd4e570c';

const secondUnsigned: UnsignedJournalRecord = {
  id: '01937a2b-3c4e-7000-b000-000000000002',
  terminalId: 'term-01_A',
  seq: 2,
  kind: 'payment',
  createdAt: 1764115201000,
  amount: 1200,
  currency: 392,
  token: TOKEN,
  decision: 'approved',
  reason: null,
  ref: null,
  trustSerial: 42,
  authorization: 'auth_7Qx-9',
  prevHash: FIRST_HASH,
};

describe('golden values (any change to the byte layout must fail here)', () => {
  it('GENESIS_HASH is 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('a declined first record: hash input, hash and signature', () => {
    const expectedInput =
      '["01937a2b-3c4d-7e5f-8a6b-0c1d2e3f4a5b","term-01_A",1,"payment",1764115200123,1200,392,null,' +
      '"declined","malformed",null,42,null,"0000000000000000000000000000000000000000000000000000000000000000"]';
    expect(journalHashInput(firstUnsigned)).toBe(expectedInput);
    expect(sha256Hex(expectedInput)).toBe(FIRST_HASH);
    expect(computeRecordHash(firstUnsigned)).toBe(FIRST_HASH);

    const sealed = sealRecord(nodeEd25519, SEED, firstUnsigned);
    expect(sealed).toEqual({
      ...firstUnsigned,
      hash: FIRST_HASH,
      signature: 'bvS68aVJofFtP-CFN-NY2quUazJ7uCq8yT62UwSjcQQ0Eu9uB4hVzQZn1ZiTL-3bqT5G03KaGWDoBuWM6P9yDQ',
    });
    expect(sealRecord(tweetnaclEd25519, SEED, firstUnsigned)).toEqual(sealed);
    expect(nodeCryptoVerifies(sealed.hash, sealed.signature)).toBe(true);
  });

  it('an approved online payment with a token, chained to the first', () => {
    expect(TOKEN).toHaveLength(330);
    const expectedInput =
      `["01937a2b-3c4e-7000-b000-000000000002","term-01_A",2,"payment",1764115201000,1200,392,"${TOKEN}",` +
      `"approved",null,null,42,"auth_7Qx-9","${FIRST_HASH}"]`;
    expect(journalHashInput(secondUnsigned)).toBe(expectedInput);
    const hash = sha256Hex(expectedInput);
    expect(hash).toBe('347cf65728457dbac27beca609f11cae59c01c7bc7aa104b290034a958603a34');
    const sealed = sealRecord(nodeEd25519, SEED, secondUnsigned);
    expect(sealed.hash).toBe(hash);
    expect(sealed.signature).toBe(
      '9LSlMNkppXDCeQL6oyxekN3NzG8BEXK_Q3i6IGTcxjqcmFPCBRrOji4PIclZ3kXpTwd3_BC2NfKZmECrgFjGAg',
    );
    expect(nodeCryptoVerifies(sealed.hash, sealed.signature)).toBe(true);
  });

  it('signRecordHash rejects anything but 64 lowercase hex characters', () => {
    expect(() => signRecordHash(nodeEd25519, SEED, FIRST_HASH.toUpperCase())).toThrow(RangeError);
    expect(() => signRecordHash(nodeEd25519, SEED, FIRST_HASH.slice(2))).toThrow(RangeError);
  });
});

describe('sealRecord and verifyRecord', () => {
  const second = sealRecord(nodeEd25519, SEED, secondUnsigned);

  it('round trips through JSON text and both Ed25519 implementations', () => {
    const parsed = parseJournalRecord(JSON.parse(JSON.stringify(second)));
    expect(parsed).toEqual({ ok: true, record: second });
    expect(verifyRecord(nodeEd25519, second, PUBLIC_KEY)).toEqual({ ok: true });
    expect(verifyRecord(tweetnaclEd25519, second, PUBLIC_KEY)).toEqual({ ok: true });
  });

  it('refuses to seal a record that breaks §7 (a programmer error)', () => {
    expect(() => sealRecord(nodeEd25519, SEED, { ...secondUnsigned, reason: 'should_be_null' })).toThrow(RangeError);
    expect(() => sealRecord(nodeEd25519, SEED, { ...secondUnsigned, terminalId: 'tërm' })).toThrow(RangeError);
  });

  const alternatives: { [K in keyof UnsignedJournalRecord]: UnsignedJournalRecord[K] } = {
    id: '01937a2b-3c4e-7000-b000-000000000003',
    terminalId: 'term-02',
    seq: 3,
    kind: 'refund',
    createdAt: 1764115201001,
    amount: 1201,
    currency: 840,
    token: null,
    decision: 'declined',
    reason: 'replayed',
    ref: '01937a2b-3c4d-7e5f-8a6b-0c1d2e3f4a5b',
    trustSerial: 43,
    authorization: null,
    prevHash: GENESIS_HASH,
  };
  it.each(Object.keys(alternatives) as (keyof UnsignedJournalRecord)[])('changing %s breaks the hash', (field) => {
    const tampered = { ...second, [field]: alternatives[field] };
    expect(computeRecordHash(tampered)).not.toBe(second.hash);
    expect(verifyRecord(nodeEd25519, tampered, PUBLIC_KEY)).toEqual({ ok: false, code: 'bad_hash' });
  });

  it('changing the hash is bad_hash; the signature or the key, bad_signature', () => {
    expect(verifyRecord(nodeEd25519, { ...second, hash: FIRST_HASH }, PUBLIC_KEY)).toEqual({
      ok: false,
      code: 'bad_hash',
    });
    const first = sealRecord(nodeEd25519, SEED, firstUnsigned);
    expect(verifyRecord(nodeEd25519, { ...second, signature: first.signature }, PUBLIC_KEY)).toEqual({
      ok: false,
      code: 'bad_signature',
    });
    const otherKey = nodeEd25519.publicKeyFromSeed(OTHER_SEED);
    expect(verifyRecord(tweetnaclEd25519, second, otherKey)).toEqual({ ok: false, code: 'bad_signature' });
  });

  it('a request signature over the same bytes is not a journal signature (domain separation)', () => {
    const bare = Buffer.from(nodeEd25519.sign(SEED, Buffer.from(second.hash, 'hex'))).toString('base64url');
    expect(verifyRecord(nodeEd25519, { ...second, signature: bare }, PUBLIC_KEY)).toEqual({
      ok: false,
      code: 'bad_signature',
    });
  });
});

function uuidV7(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `01937a2b-3c4d-7000-8000-${hex}`;
}

function buildChain(count: number, seed = SEED): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 7 === 5 ? 'refund' : i % 11 === 9 ? 'void' : 'payment';
    const declined = kind === 'payment' && i % 3 === 0;
    records.push(
      sealRecord(nodeEd25519, seed, {
        id: uuidV7(i + 1),
        terminalId: 'term-01_A',
        seq: i + 1,
        kind,
        createdAt: 1764115200000 + Math.floor(i / 2) * 1000, // equal times are allowed
        amount: 100 + i,
        currency: 392,
        token: kind === 'payment' ? TOKEN : null,
        decision: declined ? 'declined' : 'approved',
        reason: declined ? 'over_payment_limit' : null,
        ref: kind === 'payment' ? null : uuidV7(i),
        trustSerial: 42,
        authorization: i % 2 === 0 ? `auth-${i}` : null,
        prevHash: records[i - 1]?.hash ?? GENESIS_HASH,
      }),
    );
  }
  return records;
}

/** Re-seals record `index` with a change, keeping the rest as they were. */
function resealed(records: JournalRecord[], index: number, change: Partial<UnsignedJournalRecord>, seed = SEED) {
  const copy = [...records];
  const { hash: _hash, signature: _signature, ...unsigned } = copy[index]!;
  copy[index] = sealRecord(nodeEd25519, seed, { ...unsigned, ...change });
  return copy;
}

describe('verifyChain', () => {
  const chain = buildChain(50);
  const options = { terminalPublicKey: PUBLIC_KEY };
  const failure = (code: string, index: number, records: JournalRecord[]) => ({
    ok: false,
    code,
    index,
    recordId: records[index]!.id,
  });

  it('accepts a chain of 50 records and reports its head', () => {
    expect(chain.every((r) => parseJournalRecord(JSON.parse(JSON.stringify(r))).ok)).toBe(true);
    const last = chain[49]!;
    expect(verifyChain(nodeEd25519, chain, options)).toEqual({
      ok: true,
      head: { seq: 50, hash: last.hash, createdAt: last.createdAt },
    });
    expect(verifyChain(tweetnaclEd25519, chain, { ...options, terminalId: 'term-01_A' }).ok).toBe(true);
  });

  it('accepts an empty list: the head is the previous one, or none', () => {
    expect(verifyChain(nodeEd25519, [], options)).toEqual({ ok: true, head: null });
    const previous = { seq: 7, hash: FIRST_HASH };
    expect(verifyChain(nodeEd25519, [], { ...options, previous })).toEqual({ ok: true, head: previous });
  });

  it('continues from a previous head', () => {
    const head = chain[19]!;
    const previous = { seq: head.seq, hash: head.hash, createdAt: head.createdAt };
    expect(verifyChain(nodeEd25519, chain.slice(20), { ...options, previous }).ok).toBe(true);
    expect(verifyChain(nodeEd25519, chain.slice(20), { ...options, previous: { ...previous, seq: 19 } })).toEqual(
      failure('chain_gap', 0, chain.slice(20)),
    );
    expect(verifyChain(nodeEd25519, chain.slice(20), { ...options, previous: { ...previous, hash: FIRST_HASH } })).toEqual(
      failure('chain_fork', 0, chain.slice(20)),
    );
    expect(
      verifyChain(nodeEd25519, chain.slice(20), { ...options, previous: { ...previous, createdAt: head.createdAt + 5000 } }),
    ).toEqual(failure('time_went_back', 0, chain.slice(20)));
  });

  it('without a previous head the chain must start at seq 1 from GENESIS_HASH', () => {
    expect(verifyChain(nodeEd25519, chain.slice(1), options)).toEqual(failure('chain_gap', 0, chain.slice(1)));
    const forked = resealed(chain, 0, { prevHash: FIRST_HASH });
    expect(verifyChain(nodeEd25519, forked, options)).toEqual(failure('chain_fork', 0, forked));
  });

  it.each([0, 17, 49])('detects a tampered field at index %i as bad_hash', (index) => {
    const tampered = [...chain];
    tampered[index] = { ...chain[index]!, amount: chain[index]!.amount + 1 };
    expect(verifyChain(nodeEd25519, tampered, options)).toEqual(failure('bad_hash', index, tampered));
  });

  it.each([0, 23, 49])('detects a record signed by another key at index %i as bad_signature', (index) => {
    const forged = resealed(chain, index, {}, OTHER_SEED);
    expect(verifyChain(nodeEd25519, forged, options)).toEqual(failure('bad_signature', index, forged));
  });

  it.each([1, 30, 49])('detects a deleted record (the one before index %i) as chain_gap', (index) => {
    const gapped = [...chain.slice(0, index - 1), ...chain.slice(index)];
    expect(verifyChain(nodeEd25519, gapped, options)).toEqual(failure('chain_gap', index - 1, gapped));
  });

  it('detects swapped records and a repeated record as chain_gap', () => {
    const swapped = [...chain];
    [swapped[10], swapped[11]] = [chain[11]!, chain[10]!];
    expect(verifyChain(nodeEd25519, swapped, options)).toEqual(failure('chain_gap', 10, swapped));
    const repeated = [...chain.slice(0, 31), chain[30]!, ...chain.slice(31)];
    expect(verifyChain(nodeEd25519, repeated, options)).toEqual(failure('chain_gap', 31, repeated));
  });

  it('detects a re-sealed edit as chain_fork at the next record', () => {
    const edited = resealed(chain, 12, { amount: 1 });
    expect(verifyChain(nodeEd25519, edited, options)).toEqual(failure('chain_fork', 13, edited));
  });

  it('detects an inserted record (same seq, right prevHash) as chain_gap where the chain resumes', () => {
    const inserted = sealRecord(nodeEd25519, SEED, {
      ...secondUnsigned,
      seq: 26,
      createdAt: chain[24]!.createdAt,
      prevHash: chain[24]!.hash,
    });
    const withInsert = [...chain.slice(0, 25), inserted, ...chain.slice(25)];
    expect(verifyChain(nodeEd25519, withInsert, options)).toEqual(failure('chain_gap', 26, withInsert));
  });

  it('detects terminal_mismatch at the right index', () => {
    const mixed = resealed(chain, 40, { terminalId: 'term-02' });
    expect(verifyChain(nodeEd25519, mixed, options)).toEqual(failure('terminal_mismatch', 40, mixed));
    expect(verifyChain(nodeEd25519, chain, { ...options, terminalId: 'term-02' })).toEqual(
      failure('terminal_mismatch', 0, chain),
    );
  });

  it('detects time_went_back at the right index, and equal times pass', () => {
    expect(chain[2]!.createdAt).toBe(chain[3]!.createdAt);
    const backwards = resealed(chain, 35, { createdAt: chain[34]!.createdAt - 1 });
    expect(verifyChain(nodeEd25519, backwards, options)).toEqual(failure('time_went_back', 35, backwards));
  });
});

const validRecord = sealRecord(nodeEd25519, SEED, secondUnsigned);
const validRefund = sealRecord(nodeEd25519, SEED, {
  ...secondUnsigned,
  kind: 'refund',
  token: null,
  ref: firstUnsigned.id,
  authorization: null,
});

function expectMalformed(value: unknown, field: string): void {
  const result = parseJournalRecord(value);
  expect(result).toMatchObject({ ok: false, code: 'malformed_record', field });
  if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
}

describe('parseJournalRecord', () => {
  it('accepts a payment and a refund', () => {
    expect(parseJournalRecord(validRecord)).toEqual({ ok: true, record: validRecord });
    expect(parseJournalRecord(validRefund)).toEqual({ ok: true, record: validRefund });
  });

  it.each([null, undefined, 0, 'record', true, [], [validRecord], new Map(), new Date(0)])('rejects %j as a whole', (value) => {
    expectMalformed(value, '');
  });

  it.each(Object.keys(validRecord))('rejects a record without %s', (field) => {
    const copy: Record<string, unknown> = { ...validRecord };
    delete copy[field];
    expectMalformed(copy, field);
  });

  it('rejects unknown extra fields (a closed format)', () => {
    expectMalformed({ ...validRecord, note: 'hi' }, 'note');
    expectMalformed({ ...validRecord, __proto__: null, extra: null }, 'extra');
  });

  const unsafe = 2 ** 53;
  const badValues: Record<keyof JournalRecord, unknown[]> = {
    id: [
      '01937A2B-3C4E-7000-B000-000000000002', // uppercase
      '01937a2b-3c4e-4000-b000-000000000002', // version 4
      '01937a2b-3c4e-7000-c000-000000000002', // variant 110x
      '01937a2b-3c4e-7000-7000-000000000002', // variant 0xxx
      '01937a2b3c4e7000b000000000000002',
      '{01937a2b-3c4e-7000-b000-000000000002}',
      '',
      42,
    ],
    terminalId: ['', 'a'.repeat(65), 'term 01', 'term.01', 'térm', null, 1],
    seq: [0, -1, 1.5, unsafe, '1', null, Number.NaN, Number.POSITIVE_INFINITY],
    kind: ['Payment', 'sale', '', null],
    createdAt: [-1, 0.5, unsafe, '1764115201000', null],
    amount: [-1, 1.25, unsafe, '1200', null],
    currency: [-392, 392.5, unsafe, 'JPY', null],
    token: [
      TOKEN.toLowerCase(),
      TOKEN.slice(0, 329),
      TOKEN + 'A',
      TOKEN.slice(0, 329) + 'B', // non-zero trailing bits
      'TG2' + TOKEN.slice(3),
      ` ${TOKEN}`,
      '',
      0,
    ],
    decision: ['APPROVED', 'refused', null, true],
    reason: ['Replayed', 'over-payment-limit', 'double__underscore', 'trailing_', '_leading', '9lives', '', 7],
    ref: ['naïve', 'quote"', 'back\\slash', 'line\nfeed', 'tab\t', '\x7f', '\u0000', 12],
    trustSerial: [-1, 4.2, unsafe, '42', null],
    authorization: ['auth ✓', 'a"b', 'a\\b', '\r', 3],
    prevHash: [GENESIS_HASH.toUpperCase().replace(/0/g, 'A'), GENESIS_HASH.slice(1), `${GENESIS_HASH}0`, null],
    hash: [validRecord.hash.toUpperCase(), validRecord.hash.slice(0, 63), '', null],
    signature: [
      `${validRecord.signature}==`,
      validRecord.signature.slice(0, 85),
      validRecord.signature.replace(/-/g, '+').replace(/_/g, '/').replace(/^[A-Za-z0-9]/, '+'),
      `${validRecord.signature.slice(0, 85)}B`,
      Buffer.from(validRecord.signature, 'base64url').toString('hex'),
      null,
    ],
  };
  const badCases = Object.entries(badValues).flatMap(([field, values]) => values.map((v) => [field, v] as const));
  it.each(badCases)('rejects %s = %j', (field, value) => {
    const base = field === 'ref' ? validRefund : validRecord;
    expectMalformed({ ...base, [field]: value }, field);
  });

  it('accepts the edges: ASCII space and tilde in ref, zero amounts and serials, reasons with digits', () => {
    expect(parseJournalRecord({ ...validRefund, ref: ' !~#[]' }).ok).toBe(true);
    expect(parseJournalRecord({ ...validRecord, amount: 0, currency: 0, trustSerial: 0, createdAt: 0 }).ok).toBe(true);
    expect(parseJournalRecord({ ...validRecord, decision: 'declined', reason: 'code_2fa' }).ok).toBe(true);
    expect(parseJournalRecord({ ...validRecord, seq: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
  });

  it.each([
    ['refund declined', { ...validRefund, decision: 'declined', reason: 'replayed' }, 'decision'],
    ['refund with a token', { ...validRefund, token: TOKEN }, 'token'],
    ['refund without ref', { ...validRefund, ref: null }, 'ref'],
    ['refund with a reason', { ...validRefund, reason: 'replayed' }, 'reason'],
    ['refund of nothing', { ...validRefund, amount: 0 }, 'amount'],
    ['void of nothing', { ...validRefund, kind: 'void', amount: 0 }, 'amount'],
    ['void without ref', { ...validRefund, kind: 'void', ref: null }, 'ref'],
    ['payment with ref', { ...validRecord, ref: firstUnsigned.id }, 'ref'],
    ['approved with a reason', { ...validRecord, reason: 'replayed' }, 'reason'],
    ['declined without a reason', { ...validRecord, decision: 'declined' }, 'reason'],
  ])('enforces the cross-field rule: %s', (_name, value, field) => {
    expectMalformed(value, field);
  });

  it('accepts a declined payment without a token (the scan was not a TG token)', () => {
    expect(parseJournalRecord({ ...validRecord, token: null, decision: 'declined', reason: 'malformed' }).ok).toBe(true);
  });

  it('reads only own data properties and survives hostile objects', () => {
    const withGetter = { ...validRecord };
    Object.defineProperty(withGetter, 'amount', { enumerable: true, get: () => 1200 });
    expect(parseJournalRecord(withGetter).ok).toBe(false);
    expectMalformed(Object.create(validRecord), '');
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(() => parseJournalRecord(hostile)).not.toThrow();
    expect(parseJournalRecord(hostile).ok).toBe(false);
  });

  it('never throws on random JSON values or random mutations of a valid record (property test)', () => {
    const random = seededRandom(0x7e9a7a);
    const fields = Object.keys(validRecord);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      let value: unknown;
      if (i % 2 === 0) {
        value = randomJson(random, 3);
      } else {
        const copy: Record<string, unknown> = { ...(i % 4 === 1 ? validRecord : validRefund) };
        const field = i % 10 === 3 ? `x${random.int(10)}` : random.pick(fields);
        if (random.float() < 0.1) delete copy[field];
        else copy[field] = randomJson(random, 1);
        value = copy;
      }
      let result: ReturnType<typeof parseJournalRecord> | undefined;
      expect(() => {
        result = parseJournalRecord(value);
      }).not.toThrow();
      if (result?.ok) {
        accepted++;
        // Anything accepted hashes identically after a trip through JSON text.
        const again = parseJournalRecord(JSON.parse(JSON.stringify(result.record)));
        expect(again.ok && computeRecordHash(again.record) === computeRecordHash(result.record)).toBe(true);
      } else {
        expect(result?.code).toBe('malformed_record');
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(5000);
  });
});

const INTERESTING_NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, 1e21, 392, 1764115201000];
const INTERESTING_STRINGS = ['', 'payment', 'refund', 'void', 'approved', 'declined', TOKEN, GENESIS_HASH, '\u2028', '"', 'é'];

function randomJson(random: SeededRandom, depth: number): unknown {
  const kind = random.int(depth > 0 ? 8 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.float() < 0.5;
    case 2:
      return random.pick(INTERESTING_NUMBERS);
    case 3:
      return Math.floor((random.float() - 0.3) * 1e6);
    case 4:
      return random.pick(INTERESTING_STRINGS);
    case 5:
      return String.fromCharCode(...Array.from({ length: random.int(12) }, () => random.int(0x2fff)));
    case 6:
      return Array.from({ length: random.int(4) }, () => randomJson(random, depth - 1));
    default: {
      const keys = [...Object.keys(validRecord), 'extra', ''];
      const entries = Array.from({ length: random.int(18) }, () => [random.pick(keys), randomJson(random, depth - 1)]);
      return Object.fromEntries(entries);
    }
  }
}
