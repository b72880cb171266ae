/**
 * Changing the password from a full session (issue 17 point 3): the current password again (a
 * stolen session alone cannot change it; wrong tries count against the login name like failed
 * logins) **and** the second thing an SMS code is not — a signature of the account's
 * established phone on the request, or an e-mail code the session asked for. With the e-mail
 * code only, it opens the cool-down (new phones get no offline limits), never shortening one
 * that runs. The usual rules for the new one, every session ended — this one too — and both
 * channels told.
 */
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Device, Session } from '../../db/schema.js';
import { ProblemError } from '../../http/problemError.js';
import { formatTime, MESSAGES } from '../notifications/messages.js';
import { consumeCode } from './codes.js';
import { loginKey, parseLogin } from './contacts.js';
import { checkStepUpCode, isEstablishedPhone } from './deviceBinding.js';
import { accountFrozen, enqueueNoticeWithUndo } from './notMe.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { cooldownAfter } from './passwordReset.js';
import { endSessions } from './sessions.js';
import { requireTrustworthySms } from './simSwap.js';
import { invalidCode, passwordOrThrow, scryptParams } from './signup.js';
import { enforceThrottle, loginThrottleKeys, recordFailure, type ClientInfo } from './throttle.js';

export async function changePassword(
  ctx: AppContext,
  session: Session,
  input: { currentPassword: string; newPassword: string; emailCode?: string | undefined },
  client: ClientInfo,
  signer: Device | null = null,
): Promise<void> {
  const accountId = session.account_id;
  const account = await ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
  const login = parseLogin(account.phone ?? account.email ?? '');
  const name = login === undefined ? null : loginKey(login);
  const keys = loginThrottleKeys(ctx, client, name);
  const snapshot = await enforceThrottle(ctx, keys);
  if (!(await verifyPassword(account.password_hash, input.currentPassword, scryptParams(ctx)))) {
    await recordFailure(ctx, keys, { client, loginKey: name, password: true, snapshot });
    throw ProblemError.of(401, 'invalid_credentials', 'The current password is not right');
  }
  if (account.frozen_at !== null) throw accountFrozen();
  // A session opened with an SMS code is worth nothing once the SIM changed (issue 17).
  if (session.second_factor === 'sms') await requireTrustworthySms(ctx, account, 'password');
  const byPhone = isEstablishedPhone(ctx, signer, accountId);
  if (!byPhone && input.emailCode === undefined) {
    throw ProblemError.of(403, 'password_change_needs_phone_or_email', 'Changing the password needs the bound phone or an e-mail code', {
      detail:
        'either sign this request with the phone bound at least the hold ago (Tegata-Device), or ask for an e-mail code (POST /v1/account/email-code {"action":"password"}) and send it as emailCode; an SMS code is not enough',
    });
  }
  passwordOrThrow(ctx, input.newPassword, [account.phone, account.email]);
  const emailCodeId = byPhone ? null : await checkStepUpCode(ctx, session, 'password', input.emailCode ?? '', client);
  const passwordHash = await hashPassword(input.newPassword, scryptParams(ctx), ctx.random);
  const nowMs = ctx.clock.nowMs();
  // With the e-mail code only, the cool-down opens (or a running one goes on unchanged).
  const cooldown = cooldownAfter(ctx, account, !byPhone, nowMs);
  const text =
    cooldown.opened > 0
      ? MESSAGES.passwordChangedInSessionWithCooldown(formatTime(nowMs), Math.round(ctx.config.accounts.resetCooldownSeconds / 3600))
      : MESSAGES.passwordChangedInSession(formatTime(nowMs));
  const done = await inTransaction(ctx.db, async (trx) => {
    if (emailCodeId !== null && !(await consumeCode(trx, emailCodeId, nowMs))) return false;
    await trx
      .updateTable('accounts')
      .set({ password_hash: passwordHash, password_changed_at: nowMs, updated_at: nowMs, reset_at: cooldown.resetAt, cooldown_until: cooldown.cooldownUntil })
      .where('id', '=', accountId)
      .execute();
    await endSessions(trx, accountId, 'password_changed', nowMs);
    await trx.updateTable('login_challenges').set({ completed_at: nowMs }).where('account_id', '=', accountId).where('completed_at', 'is', null).execute();
    await enqueueNoticeWithUndo(ctx, trx, account, 'password_changed', text);
    return true;
  });
  if (!done) throw invalidCode();
  ctx.notificationsQueued();
  ctx.logger.info({ accountId, confirmedByDevice: byPhone, cooldownUntil: cooldown.cooldownUntil }, 'password changed');
}
