/**
 * Journal records (PROTOCOL.md §7): one per decision, refund and void, hash-chained and signed
 * by the terminal key so the backend can prove nothing was altered, inserted or deleted.
 * Pure: the caller hands in the Ed25519 implementation.
 */
import { asciiBytes, concatBytes, utf8Encode } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { fromBase64url, fromHex, isLowerHex, toBase64url, toHex } from '../encoding.js';
import { sha256 } from '../sha256.js';

export type JournalKind = 'payment' | 'refund' | 'void';
export type JournalDecision = 'approved' | 'declined';

export interface JournalRecord {
  readonly id: string;
  readonly terminalId: string;
  readonly seq: number;
  readonly kind: JournalKind;
  readonly createdAt: number;
  readonly amount: number;
  readonly currency: number;
  readonly token: string | null;
  readonly decision: JournalDecision;
  readonly reason: string | null;
  readonly ref: string | null;
  readonly trustSerial: number;
  readonly authorization: string | null;
  readonly prevHash: string;
  readonly hash: string;
  readonly signature: string;
}

export type UnsignedJournalRecord = Omit<JournalRecord, 'hash' | 'signature'>;

/** The prevHash of a terminal's first record. */
export const GENESIS_HASH = '0'.repeat(64);

const JOURNAL_SIGNING_PREFIX = asciiBytes('tegata/journal/v1');

/** The exact text §7 hashes; field order is normative. */
export function journalHashInput(record: UnsignedJournalRecord): string {
  return JSON.stringify([
    record.id,
    record.terminalId,
    record.seq,
    record.kind,
    record.createdAt,
    record.amount,
    record.currency,
    record.token,
    record.decision,
    record.reason,
    record.ref,
    record.trustSerial,
    record.authorization,
    record.prevHash,
  ]);
}

/** hex(SHA-256(UTF-8 of journalHashInput)). */
export function computeRecordHash(record: UnsignedJournalRecord): string {
  return toHex(sha256(utf8Encode(journalHashInput(record))));
}

function recordSigningMessage(hashBytes: Uint8Array): Uint8Array {
  return concatBytes(JOURNAL_SIGNING_PREFIX, hashBytes);
}

/** base64url(Ed25519(seed, "tegata/journal/v1" ‖ the 32 hash bytes)). */
export function signRecordHash(ed: Ed25519, seed: Uint8Array, hashHex: string): string {
  const hashBytes = isLowerHex(hashHex, 64) ? fromHex(hashHex) : null;
  if (hashBytes === null) throw new RangeError('a record hash is 64 lowercase hex characters');
  return toBase64url(ed.sign(seed, recordSigningMessage(hashBytes)));
}

/**
 * Fills `hash` and `signature`. A record that would not pass parseJournalRecord is a bug in the
 * caller (the backend would reject it after it is already chained), so it throws RangeError.
 */
export function sealRecord(ed: Ed25519, seed: Uint8Array, unsigned: UnsignedJournalRecord): JournalRecord {
  const hash = computeRecordHash(unsigned);
  const sealed: JournalRecord = {
    id: unsigned.id,
    terminalId: unsigned.terminalId,
    seq: unsigned.seq,
    kind: unsigned.kind,
    createdAt: unsigned.createdAt,
    amount: unsigned.amount,
    currency: unsigned.currency,
    token: unsigned.token,
    decision: unsigned.decision,
    reason: unsigned.reason,
    ref: unsigned.ref,
    trustSerial: unsigned.trustSerial,
    authorization: unsigned.authorization,
    prevHash: unsigned.prevHash,
    hash,
    signature: signRecordHash(ed, seed, hash),
  };
  const check = parseJournalRecord(sealed);
  if (!check.ok) throw new RangeError(`cannot seal an invalid journal record: ${check.field}: ${check.message}`);
  return sealed;
}

export type ParseJournalRecordResult =
  | { readonly ok: true; readonly record: JournalRecord }
  | { readonly ok: false; readonly code: 'malformed_record'; readonly field: string; readonly message: string };

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TERMINAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
// 204 bytes in base32 are 327 symbols whose last carries 3 unused bits, which must be zero.
const CANONICAL_TOKEN = /^TG1[A-Z2-7]{326}[AIQY]$/;
const REASON_CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
// What JSON.stringify writes verbatim: printable ASCII except `"` and `\`.
const JSON_PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const KINDS: readonly string[] = ['payment', 'refund', 'void'] satisfies JournalKind[];
const DECISIONS: readonly string[] = ['approved', 'declined'] satisfies JournalDecision[];
const FIELDS: readonly (keyof JournalRecord)[] = [
  'id', 'terminalId', 'seq', 'kind', 'createdAt', 'amount', 'currency', 'token', 'decision',
  'reason', 'ref', 'trustSerial', 'authorization', 'prevHash', 'hash', 'signature',
];
const KNOWN_FIELDS = new Set<string>(FIELDS);

type FieldCheck = (value: unknown) => string | null; // null = fine, else what is wrong

const nonNegativeInteger: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : 'must be a non-negative safe integer';
const pattern = (re: RegExp, what: string): FieldCheck => (v) =>
  typeof v === 'string' && re.test(v) ? null : `must be ${what}`;
const nullable = (check: FieldCheck): FieldCheck => (v) => {
  if (v === null) return null;
  const problem = check(v);
  return problem === null ? null : `${problem} or null`;
};
const oneOf = (values: readonly string[]): FieldCheck => (v) =>
  typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;

const FIELD_CHECKS: Readonly<Record<keyof JournalRecord, FieldCheck>> = {
  id: pattern(UUID_V7, 'a lowercase UUIDv7'),
  terminalId: pattern(TERMINAL_ID, 'a terminal id ([A-Za-z0-9_-]{1,64})'),
  seq: (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? null : 'must be a safe integer ≥ 1'),
  kind: oneOf(KINDS),
  createdAt: nonNegativeInteger,
  amount: nonNegativeInteger,
  currency: nonNegativeInteger,
  token: nullable(pattern(CANONICAL_TOKEN, 'canonical TG1 token text')),
  decision: oneOf(DECISIONS),
  reason: nullable(pattern(REASON_CODE, 'a snake_case reason code')),
  ref: nullable(pattern(JSON_PLAIN_ASCII, 'ASCII that JSON writes without escapes')),
  trustSerial: nonNegativeInteger,
  authorization: nullable(pattern(JSON_PLAIN_ASCII, 'ASCII that JSON writes without escapes')),
  prevHash: pattern(/^[0-9a-f]{64}$/, '64 lowercase hex characters'),
  hash: pattern(/^[0-9a-f]{64}$/, '64 lowercase hex characters'),
  signature: (v) =>
    typeof v === 'string' && v.length === 86 && fromBase64url(v) !== null ? null : 'must be base64url of 64 bytes',
};

/**
 * Validates shape and every rule of §7; never throws. Fields are checked in §7 order, then
 * unknown fields (records are a closed format: an extra field is not covered by the hash, so
 * accepting it would let unsigned data ride along), then the rules between fields. Only own
 * data properties are read, so getters and prototypes cannot change the answer.
 */
export function parseJournalRecord(value: unknown): ParseJournalRecordResult {
  const fields = ownDataProperties(value);
  if (fields === null) return malformed('', 'a journal record must be a plain JSON object');
  for (const name of FIELDS) {
    if (!fields.has(name)) return malformed(name, 'is missing');
    const problem = FIELD_CHECKS[name](fields.get(name));
    if (problem !== null) return malformed(name, problem);
  }
  for (const name of fields.keys()) {
    if (!KNOWN_FIELDS.has(name)) return malformed(name, 'is not a journal record field');
  }
  // Every field was checked above, so each value has its field's type.
  const field = <K extends keyof JournalRecord>(name: K): JournalRecord[K] => fields.get(name) as JournalRecord[K];
  const record: JournalRecord = {
    id: field('id'),
    terminalId: field('terminalId'),
    seq: field('seq'),
    kind: field('kind'),
    createdAt: field('createdAt'),
    amount: field('amount'),
    currency: field('currency'),
    token: field('token'),
    decision: field('decision'),
    reason: field('reason'),
    ref: field('ref'),
    trustSerial: field('trustSerial'),
    authorization: field('authorization'),
    prevHash: field('prevHash'),
    hash: field('hash'),
    signature: field('signature'),
  };
  const problem = crossFieldProblem(record);
  return problem === null ? { ok: true, record } : malformed(problem[0], problem[1]);
}

function crossFieldProblem(r: JournalRecord): [field: string, message: string] | null {
  if (r.kind === 'payment') {
    if (r.ref !== null) return ['ref', 'must be null for a payment'];
    if (r.decision === 'approved' && r.reason !== null) return ['reason', 'must be null when approved'];
    if (r.decision === 'declined' && r.reason === null) return ['reason', 'is required when declined'];
    return null;
  }
  if (r.decision !== 'approved') return ['decision', `must be approved for a ${r.kind}`];
  if (r.token !== null) return ['token', `must be null for a ${r.kind}`];
  if (r.ref === null) return ['ref', `is required for a ${r.kind}`];
  if (r.reason !== null) return ['reason', `must be null for a ${r.kind}`];
  if (r.amount < 1) return ['amount', `must be at least 1 for a ${r.kind}`];
  return null;
}

function malformed(field: string, message: string): ParseJournalRecordResult {
  return { ok: false, code: 'malformed_record', field, message };
}

/** Own enumerable data properties of a plain object (as JSON.parse makes), or null for anything else. */
function ownDataProperties(value: unknown): Map<string, unknown> | null {
  if (typeof value !== 'object' || value === null) return null;
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return null;
    const out = new Map<string, unknown>();
    for (const key of Object.keys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !('value' in descriptor)) return null;
      out.set(key, descriptor.value);
    }
    return out;
  } catch {
    return null; // a Proxy whose traps throw is not a record
  }
}

export type VerifyRecordResult = { readonly ok: true } | { readonly ok: false; readonly code: 'bad_hash' | 'bad_signature' };

/** Integrity of one record: its hash matches its fields and the terminal key signed that hash. */
export function verifyRecord(ed: Ed25519, record: JournalRecord, terminalPublicKey: Uint8Array): VerifyRecordResult {
  if (computeRecordHash(record) !== record.hash) return { ok: false, code: 'bad_hash' };
  const hashBytes = fromHex(record.hash);
  const signature = fromBase64url(record.signature);
  if (hashBytes === null || signature === null || !ed.verify(terminalPublicKey, recordSigningMessage(hashBytes), signature)) {
    return { ok: false, code: 'bad_signature' };
  }
  return { ok: true };
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  /** When known, the next record's createdAt must not be earlier. */
  readonly createdAt?: number;
}

export interface VerifyChainOptions {
  readonly terminalPublicKey: Uint8Array;
  /** The record the first one continues; absent means the chain starts at seq 1 from GENESIS_HASH. */
  readonly previous?: ChainHead;
  /** When given, every record must carry it; otherwise every record must match the first. */
  readonly terminalId?: string;
}

export type ChainFailureCode =
  | 'bad_hash'
  | 'bad_signature'
  | 'terminal_mismatch'
  | 'chain_gap'
  | 'chain_fork'
  | 'time_went_back';

export type VerifyChainResult =
  | { readonly ok: true; readonly head: ChainHead | null }
  | { readonly ok: false; readonly code: ChainFailureCode; readonly index: number; readonly recordId: string };

/**
 * Checks records in order and reports the first failure. Per record: integrity first (bad_hash,
 * bad_signature — an unauthentic record says nothing about its position), then terminal_mismatch,
 * chain_gap (seq ≠ previous + 1, including a repeated seq), chain_fork (prevHash ≠ previous hash),
 * time_went_back. On success `head` is the last record's position (or `previous`, or null).
 */
export function verifyChain(ed: Ed25519, records: readonly JournalRecord[], options: VerifyChainOptions): VerifyChainResult {
  let previous: ChainHead = options.previous ?? { seq: 0, hash: GENESIS_HASH };
  const terminalId = options.terminalId ?? records[0]?.terminalId;
  for (const [index, record] of records.entries()) {
    const fail = (code: ChainFailureCode): VerifyChainResult => ({ ok: false, code, index, recordId: record.id });
    const integrity = verifyRecord(ed, record, options.terminalPublicKey);
    if (!integrity.ok) return fail(integrity.code);
    if (record.terminalId !== terminalId) return fail('terminal_mismatch');
    if (record.seq !== previous.seq + 1) return fail('chain_gap');
    if (record.prevHash !== previous.hash) return fail('chain_fork');
    if (previous.createdAt !== undefined && record.createdAt < previous.createdAt) return fail('time_went_back');
    previous = { seq: record.seq, hash: record.hash, createdAt: record.createdAt };
  }
  return { ok: true, head: records.length === 0 ? (options.previous ?? null) : previous };
}
