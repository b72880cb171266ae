/**
 * Stores and terminal enrollment: single-use codes of 80 random bits (≥ 60 required), valid
 * 2 h, stored only as a hash, with failed attempts rate-limited per client address; the
 * terminal's key must be a strict Ed25519 key (canonical, not of small order) and, outside dev
 * mode, not a TEST-ONLY fixture key.
 */
import { createHash } from 'node:crypto';
import { fromBase64url, GENESIS_HASH, isAcceptablePublicKey } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { inTransaction, isUniqueViolation } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { testOnlyKeyName } from '../keys/testOnlyKeys.js';
import { newId } from '../runtime/ids.js';
import { hitRateLimit, peekRateLimit } from './rateLimit.js';

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ENROLLMENT_CODE_BITS = 80;

export async function createStore(ctx: AppContext, name: string): Promise<{ id: string; name: string; createdAt: number }> {
  const store = { id: newId('sto', ctx.random), name, created_at: ctx.clock.nowMs() };
  await ctx.db.kysely.insertInto('stores').values(store).execute();
  return { id: store.id, name, createdAt: store.created_at };
}

export async function listStores(ctx: AppContext): Promise<{ id: string; name: string; createdAt: number }[]> {
  const rows = await ctx.db.kysely.selectFrom('stores').selectAll().orderBy('created_at').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
}

/** Four groups of four base32 symbols (`7K2M-…`): 16 symbols of 5 bits. */
export function formatEnrollmentCode(bytes: Uint8Array): string {
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CODE_ALPHABET[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out.replace(/(.{4})(?!$)/g, '$1-');
}

/** Case, dashes and spaces do not matter; O reads as 0 and I or L as 1. */
export function normaliseEnrollmentCode(code: string): string {
  return code
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

function codeHash(code: string): string {
  return createHash('sha256').update(`tegata/enrollment-code/v1:${normaliseEnrollmentCode(code)}`).digest('hex');
}

export async function createEnrollmentCode(
  ctx: AppContext,
  storeId: string,
): Promise<{ code: string; storeId: string; expiresAt: number }> {
  const store = await ctx.db.kysely.selectFrom('stores').select('id').where('id', '=', storeId).executeTakeFirst();
  if (store === undefined) throw ProblemError.of(404, 'store_not_found', 'No such store');
  const code = formatEnrollmentCode(ctx.random.bytes(ENROLLMENT_CODE_BITS / 8));
  const now = ctx.clock.nowMs();
  const expiresAt = now + ctx.config.enrollment.codeTtlSeconds * 1000;
  await ctx.db.kysely
    .insertInto('enrollment_codes')
    .values({ code_hash: codeHash(code), store_id: storeId, created_at: now, expires_at: expiresAt, used_at: null, terminal_id: null })
    .execute();
  return { code, storeId, expiresAt };
}

export interface EnrollRequest {
  code: string;
  publicKey: string;
  name: string;
  /** The client's address, for the attempt limit. */
  clientAddress: string;
}

export async function enrollTerminal(ctx: AppContext, request: EnrollRequest): Promise<{ terminalId: string; storeId: string }> {
  const { db, clock, config } = ctx;
  const limitKey = `enroll-failures:${request.clientAddress}`;
  const window = config.enrollment.failureWindowSeconds;
  const failures = await peekRateLimit(db, limitKey, window, clock.nowMs());
  if (failures.count >= config.enrollment.maxFailuresPerIp) {
    throw ProblemError.of(429, 'too_many_attempts', 'Too many failed enrollment attempts', {
      detail: 'wait before trying again',
      extensions: { retryAfterSeconds: Math.max(1, Math.ceil((failures.resetsAt - clock.nowMs()) / 1000)) },
    });
  }

  const publicKey = fromBase64url(request.publicKey);
  if (publicKey?.length !== 32 || !isAcceptablePublicKey(publicKey)) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The terminal key is not an acceptable Ed25519 public key', {
      detail: 'it must be base64url of 32 bytes, canonically encoded and not of small order',
    });
  }
  const fixture = testOnlyKeyName(request.publicKey);
  if (fixture !== undefined && !config.dev) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The terminal key is a TEST-ONLY fixture key', {
      detail: 'TEST-ONLY keys are refused outside dev mode',
    });
  }

  const now = clock.nowMs();
  const terminalId = newId('trm', ctx.random);
  const result = await inTransaction(db, async (trx) => {
    const hash = codeHash(request.code);
    const code = await trx.selectFrom('enrollment_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
    if (code === undefined || code.used_at !== null || code.expires_at < now) return null;
    // The guard on used_at makes the code single-use even when two enrollments race.
    const claimed = await trx
      .updateTable('enrollment_codes')
      .set({ used_at: now, terminal_id: terminalId })
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) return null;
    try {
      await trx
        .insertInto('terminals')
        .values({
          id: terminalId,
          store_id: code.store_id,
          name: request.name,
          public_key: request.publicKey,
          status: 'active',
          enrolled_at: now,
          revoked_at: null,
          head_hash: GENESIS_HASH,
          head_created_at: null,
          last_journal_at: null,
          caught_up_at: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw ProblemError.of(409, 'public_key_in_use', 'Another terminal is enrolled with this key', {
          detail: 'generate a new terminal key and enroll again with a new code',
        });
      }
      throw error;
    }
    return { terminalId, storeId: code.store_id };
  });
  if (result === null) {
    await hitRateLimit(db, limitKey, window, clock.nowMs());
    // One answer for unknown, used and expired codes: the response is no oracle.
    throw ProblemError.of(400, 'invalid_enrollment_code', 'The enrollment code is not valid', {
      detail: 'codes are single-use and expire after 2 hours; ask an admin for a new one',
    });
  }
  ctx.logger.info({ terminalId: result.terminalId, storeId: result.storeId }, 'terminal enrolled');
  return result;
}
