/**
 * Changing the password from a full session: the current password again (a stolen session
 * alone cannot change it; wrong tries count against the login name like failed logins), the
 * usual rules for the new one, every session ended — this one too — and both channels told.
 */
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import { formatTime, MESSAGES } from '../notifications/messages.js';
import { enqueueMessage } from '../notifications/outbox.js';
import { loginKey, parseLogin } from './contacts.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { endSessions } from './sessions.js';
import { passwordOrThrow, scryptParams } from './signup.js';
import { enforceThrottle, loginThrottleKeys, recordFailure, type ClientInfo } from './throttle.js';

export async function changePassword(
  ctx: AppContext,
  accountId: string,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
): Promise<void> {
  const account = await ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
  const login = parseLogin(account.phone ?? account.email ?? '');
  const name = login === undefined ? null : loginKey(login);
  const keys = loginThrottleKeys(ctx, client, name);
  const snapshot = await enforceThrottle(ctx, keys);
  if (!(await verifyPassword(account.password_hash, input.currentPassword, scryptParams(ctx)))) {
    await recordFailure(ctx, keys, { client, loginKey: name, password: true, snapshot });
    throw ProblemError.of(401, 'invalid_credentials', 'The current password is not right');
  }
  passwordOrThrow(ctx, input.newPassword, [account.phone, account.email]);
  const passwordHash = await hashPassword(input.newPassword, scryptParams(ctx), ctx.random);
  const nowMs = ctx.clock.nowMs();
  const text = MESSAGES.passwordChangedInSession(formatTime(nowMs));
  await inTransaction(ctx.db, async (trx) => {
    await trx.updateTable('accounts').set({ password_hash: passwordHash, password_changed_at: nowMs, updated_at: nowMs }).where('id', '=', accountId).execute();
    await endSessions(trx, accountId, 'password_changed', nowMs);
    await trx.updateTable('login_challenges').set({ completed_at: nowMs }).where('account_id', '=', accountId).where('completed_at', 'is', null).execute();
    if (account.phone !== null) await enqueueMessage(ctx, trx, { channel: 'sms', to: account.phone, kind: 'password_changed', text, accountId });
    if (account.email !== null) await enqueueMessage(ctx, trx, { channel: 'email', to: account.email, kind: 'password_changed', text, accountId });
  });
  ctx.notificationsQueued();
  ctx.logger.info({ accountId }, 'password changed');
}
