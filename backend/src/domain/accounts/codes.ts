/**
 * One-time codes (DESIGN.md): 6 digits from the injected CSPRNG, single use, valid at most 10
 * minutes, stored only as a hash bound to the code's own id, tied to the request that asked
 * for it (`subject_id`: the sign-up, login challenge or reset) and its purpose, and dead after
 * `codeMaxAttempts` (≤ 5) wrong tries. Every try is counted before the comparison, with a
 * guarded update, so concurrent guesses cannot exceed the limit either. Failure counters across
 * codes live in the throttle (a new code does not reset them).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Channel, CodePurpose } from '../../db/schema.js';
import { newId } from '../../runtime/ids.js';
import type { Random } from '../../runtime/random.js';
import type { Tx } from '../ledger.js';

const CODE_SPACE = 1_000_000;
// The largest multiple of 10^6 below 2^32: values at or above it are drawn again (no bias).
const LIMIT = Math.floor(2 ** 32 / CODE_SPACE) * CODE_SPACE;

export function generateCode(random: Random): string {
  for (;;) {
    const bytes = random.bytes(4);
    const value = (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
    if (value < LIMIT) return String(value % CODE_SPACE).padStart(6, '0');
  }
}

function codeHash(id: string, code: string): Buffer {
  return createHash('sha256').update(`tegata/code/v1:${id}:${code}`).digest();
}

export interface NewCode {
  purpose: CodePurpose;
  subjectId: string;
  accountId: string | null;
  channel: Channel;
  /** Null for the stand-in code of a request about no account: it is never sent. */
  destination: string | null;
}

/** Stores a new code inside `trx` and returns it in clear, for the message only. */
export async function insertCode(ctx: AppContext, trx: Tx, code: NewCode): Promise<{ id: string; code: string; expiresAt: number }> {
  const id = newId('otp', ctx.random);
  const value = generateCode(ctx.random);
  const now = ctx.clock.nowMs();
  const expiresAt = now + ctx.config.accounts.codeTtlSeconds * 1000;
  await trx
    .insertInto('one_time_codes')
    .values({
      id,
      purpose: code.purpose,
      subject_id: code.subjectId,
      account_id: code.accountId,
      channel: code.channel,
      destination: code.destination,
      code_hash: codeHash(id, value).toString('hex'),
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { id, code: value, expiresAt };
}

export type CodeCheck =
  | { result: 'ok'; codeId: string }
  | { result: 'wrong'; attemptsLeft: number }
  | { result: 'exhausted' | 'expired' | 'missing' };

const WELL_FORMED = /^[0-9]{6}$/;

/** The newest unused code of (`subjectId`, `purpose`). */
function newestUnused(ctx: AppContext, purpose: CodePurpose, subjectId: string) {
  return ctx.db.kysely
    .selectFrom('one_time_codes')
    .select(['id', 'code_hash', 'expires_at', 'attempts'])
    .where('subject_id', '=', subjectId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
}

/** Constant-time comparison; a malformed code is compared too (as a value no code has) and never matches. */
function matchesCode(row: { id: string; code_hash: string }, code: string): boolean {
  const wellFormed = WELL_FORMED.test(code);
  const given = codeHash(row.id, wellFormed ? code : '------');
  return timingSafeEqual(given, Buffer.from(row.code_hash, 'hex')) && wellFormed;
}

/**
 * Checks `code` against the newest unused code of (`subjectId`, `purpose`) without consuming
 * it (the caller consumes with `consumeCode` once every factor of the request passed). A wrong
 * or malformed code spends one try.
 */
export async function checkCode(ctx: AppContext, purpose: CodePurpose, subjectId: string, code: string): Promise<CodeCheck> {
  const now = ctx.clock.nowMs();
  const row = await newestUnused(ctx, purpose, subjectId).executeTakeFirst();
  if (row === undefined) return { result: 'missing' };
  if (row.expires_at < now) return { result: 'expired' };
  const max = ctx.config.accounts.codeMaxAttempts;
  const counted = await ctx.db.kysely
    .updateTable('one_time_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', row.id)
    .where('attempts', '<', max)
    .where('used_at', 'is', null)
    .returning('attempts')
    .executeTakeFirst();
  if (counted === undefined) return { result: 'exhausted' };
  if (matchesCode(row, code)) return { result: 'ok', codeId: row.id };
  // From the count this very try made, so exactly one of several concurrent tries sees 0.
  return { result: 'wrong', attemptsLeft: Math.max(0, max - counted.attempts) };
}

/**
 * Compares `code` with the newest unused code of (`subjectId`, `purpose`) **without** spending
 * a try: for a request of two codes, to learn whether the other one is right before a try of
 * this one is counted (a wrong pair spends nothing, so guessing both cannot burn a customer's
 * codes). A code already out of tries or expired never matches.
 */
export async function peekCode(ctx: AppContext, purpose: CodePurpose, subjectId: string, code: string): Promise<CodeCheck> {
  const now = ctx.clock.nowMs();
  const row = await newestUnused(ctx, purpose, subjectId).executeTakeFirst();
  if (row === undefined) return { result: 'missing' };
  if (row.expires_at < now) return { result: 'expired' };
  const max = ctx.config.accounts.codeMaxAttempts;
  const matches = matchesCode(row, code);
  if (row.attempts >= max) return { result: 'exhausted' };
  return matches ? { result: 'ok', codeId: row.id } : { result: 'wrong', attemptsLeft: max - row.attempts };
}

/** Marks a checked code used inside `trx`; false when another request used it first. */
export async function consumeCode(trx: Tx, codeId: string, nowMs: number): Promise<boolean> {
  const result = await trx.updateTable('one_time_codes').set({ used_at: nowMs }).where('id', '=', codeId).where('used_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
