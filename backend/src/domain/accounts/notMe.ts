/**
 * "This wasn't me" (issue 17 point 4). Every binding, password and reset notice carries a
 * one-time undo code (8 characters from a 32-letter alphabet, 40 bits, stored only as a hash,
 * valid for a week). Given from a session opened with the e-mail code — the one channel a SIM
 * swapper does not hold — it cancels any pending phone, ends every session (this one too), and
 * freezes binding, password change and online payments of the account until a password reset
 * with both codes while the SIM-swap check is clean. The freeze is stored with the account, so
 * it holds across restarts and on every instance.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Session } from '../../db/schema.js';
import { ProblemError } from '../../http/problemError.js';
import { newId } from '../../runtime/ids.js';
import type { Random } from '../../runtime/random.js';
import { markDeviceRevoked } from '../devices.js';
import type { Tx } from '../ledger.js';
import { formatTime, MESSAGES } from '../notifications/messages.js';
import { enqueueMessage } from '../notifications/outbox.js';
import { endSessions } from './sessions.js';
import { codeThrottleKeys, enforceThrottle, recordFailure, type ClientInfo } from './throttle.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const UNDO_TTL_MS = 7 * 86_400_000;
const UNDO_FORMAT = /^[A-Z2-9]{4}-?[A-Z2-9]{4}$/;
/** How an undo code looks in a text, for masking. */
const UNDO_IN_TEXT = /\b[A-Z2-9]{4}-[A-Z2-9]{4}\b/g;

export function generateUndoCode(random: Random): string {
  const bytes = random.bytes(8);
  const chars = [...bytes].map((b) => ALPHABET[b & 31] ?? 'A').join('');
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

function undoHash(id: string, code: string): Buffer {
  return createHash('sha256').update(`tegata/undo/v1:${id}:${code.toUpperCase().replace('-', '')}`).digest();
}

export function maskUndoCode(text: string): string {
  return text.replace(UNDO_IN_TEXT, '****-****');
}

/**
 * Stores a new undo code for `accountId` inside `trx` (with the event it undoes) and returns
 * the sentence to append to the notice, code in clear.
 */
export async function issueUndoCode(ctx: AppContext, trx: Tx, accountId: string): Promise<string> {
  const id = newId('otp', ctx.random);
  const code = generateUndoCode(ctx.random);
  const now = ctx.clock.nowMs();
  await trx
    .insertInto('one_time_codes')
    .values({
      id,
      purpose: 'undo',
      subject_id: accountId,
      account_id: accountId,
      channel: 'email',
      destination: null,
      code_hash: undoHash(id, code).toString('hex'),
      created_at: now,
      expires_at: now + UNDO_TTL_MS,
      used_at: null,
    })
    .execute();
  return MESSAGES.undoSentence(code);
}

/** Sends `text` (ending with an undo sentence) to both channels on file, the code masked in the kept copy. */
export async function enqueueNoticeWithUndo(
  ctx: AppContext,
  trx: Tx,
  account: { id: string; phone: string | null; email: string | null },
  kind: string,
  text: string,
): Promise<void> {
  const full = `${text} ${await issueUndoCode(ctx, trx, account.id)}`;
  const redacted = maskUndoCode(full);
  if (account.phone !== null) await enqueueMessage(ctx, trx, { channel: 'sms', to: account.phone, kind, text: full, redacted, accountId: account.id });
  if (account.email !== null) await enqueueMessage(ctx, trx, { channel: 'email', to: account.email, kind, text: full, redacted, accountId: account.id });
}

export function accountFrozen(): ProblemError {
  return ProblemError.of(403, 'account_frozen', 'This account is frozen after "This wasn\'t me"', {
    detail: 'binding a phone, changing the password and online payments resume after a password reset with both codes',
  });
}

/** `POST /v1/account/not-me`: from a session opened with the e-mail code. */
export async function thisWasntMe(ctx: AppContext, session: Session, code: string, client: ClientInfo): Promise<void> {
  if (session.second_factor !== 'email') {
    throw ProblemError.of(403, 'email_session_required', '"This wasn\'t me" is accepted from a session opened with the e-mail code', {
      detail: 'log in with channel "email": the SMS may be in someone else\'s hands',
    });
  }
  const accountId = session.account_id;
  const keys = codeThrottleKeys(ctx, client, accountId);
  await enforceThrottle(ctx, keys);
  const nowMs = ctx.clock.nowMs();
  const candidates = UNDO_FORMAT.test(code)
    ? await ctx.db.kysely
        .selectFrom('one_time_codes')
        .select(['id', 'code_hash'])
        .where('subject_id', '=', accountId)
        .where('purpose', '=', 'undo')
        .where('used_at', 'is', null)
        .where('expires_at', '>=', nowMs)
        .execute()
    : [];
  const match = candidates.find((row) => timingSafeEqual(undoHash(row.id, code), Buffer.from(row.code_hash, 'hex')));
  if (match === undefined) {
    await recordFailure(ctx, keys, { client });
    throw ProblemError.of(400, 'invalid_code', 'The code is not valid', { detail: 'use the code of the notice, within a week' });
  }
  const account = await ctx.db.kysely.selectFrom('accounts').select(['id', 'phone', 'email']).where('id', '=', accountId).executeTakeFirstOrThrow();
  const cancelled = await inTransaction(ctx.db, async (trx) => {
    await trx.updateTable('one_time_codes').set({ used_at: nowMs }).where('subject_id', '=', accountId).where('purpose', '=', 'undo').where('used_at', 'is', null).execute();
    const pending = await trx.selectFrom('devices').select('id').where('account_id', '=', accountId).where('status', '=', 'pending').execute();
    for (const device of pending) await markDeviceRevoked(trx, device.id, 'not_me', nowMs, client);
    await endSessions(trx, accountId, 'not_me', nowMs);
    await trx.updateTable('login_challenges').set({ completed_at: nowMs }).where('account_id', '=', accountId).where('completed_at', 'is', null).execute();
    await trx.updateTable('accounts').set({ frozen_at: nowMs, updated_at: nowMs }).where('id', '=', accountId).execute();
    const text = MESSAGES.frozen(formatTime(nowMs));
    if (account.phone !== null) await enqueueMessage(ctx, trx, { channel: 'sms', to: account.phone, kind: 'account_frozen', text, accountId });
    if (account.email !== null) await enqueueMessage(ctx, trx, { channel: 'email', to: account.email, kind: 'account_frozen', text, accountId });
    return pending.length;
  });
  ctx.notificationsQueued();
  ctx.metrics.accountEvents.inc({ event: 'account_frozen' });
  ctx.logger.warn({ accountId, pendingCancelled: cancelled }, 'account frozen by "This wasn\'t me"');
  if (cancelled > 0) await ctx.trust.rebuild('device revoked');
}
