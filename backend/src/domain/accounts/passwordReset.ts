/**
 * Password reset (PROTOCOL.md §8, DESIGN.md "the 7pay lesson"): `POST /v1/password-resets`
 * always answers 202 and sends two codes, one by SMS and one by e-mail, to the phone and
 * address on file — there is no field for another destination and no knowledge-based question.
 * Confirming needs both codes (a SIM swap alone is not enough), or one of them in a request
 * signed by the established phone (active, bound at least the hold ago: issue 17) — the e-mail
 * code lets a customer whose SIM was swapped away take the account back; such a reset also
 * cancels any phone waiting for its hold. A reset ends every session and pending login, tells every
 * channel, and opens a cool-down in which newly bound phones get zero offline limits — unless
 * the established phone itself confirmed it; a running cool-down is never shortened or cleared.
 */
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Account, Device } from '../../db/schema.js';
import { newId } from '../../runtime/ids.js';
import { markDeviceRevoked } from '../devices.js';
import { claimSend, sendLimited, type SendLimit } from '../notifications/sendLimits.js';
import { codeText, formatTime, maskCode, MESSAGES } from '../notifications/messages.js';
import { checkCode, consumeCode, insertCode, peekCode, type CodeCheck } from './codes.js';
import { isEstablishedPhone } from './deviceBinding.js';
import { loginKey, normaliseIp, parseLogin } from './contacts.js';
import { enqueueNoticeWithUndo } from './notMe.js';
import { hashPassword } from './passwords.js';
import { endSessions, findAccountByLogin } from './sessions.js';
import { requireTrustworthySms } from './simSwap.js';
import { invalidCode, invalidRequest, passwordOrThrow, scryptParams } from './signup.js';
import { clearFailures, codeThrottleKeys, enforceThrottle, loginThrottleKeys, recordFailure, tooManyAttempts, type ClientInfo } from './throttle.js';

/**
 * Send limits of both channels. For a login that names no account the same counters are
 * touched under a stand-in key, so the two cases cost the same.
 */
async function claimBoth(ctx: AppContext, account: Account | undefined, name: string): Promise<[SendLimit | null, SendLimit | null]> {
  if (account?.phone != null && account.email !== null) {
    return Promise.all([claimSend(ctx, 'sms', account.phone), claimSend(ctx, 'email', account.email)]);
  }
  const now = ctx.clock.nowMs();
  await Promise.all([
    ctx.counters.hit(`send:shadow:${name}:h`, 3600, now),
    ctx.counters.hit(`send:shadow:${name}:d`, 86_400, now),
    ctx.counters.hit(`send:shadow-prefix`, 3600, now),
    ctx.counters.hit(`send:shadow:${name}:e`, 3600, now),
  ]);
  return ['destination', 'destination'];
}

/**
 * The cool-down after a password reset or change (issue 17 point 2): `open` starts one of
 * `resetCooldownSeconds` from now; a running one is never shortened nor cleared, and keeps
 * the reset it started from, so phones bound since then stay without offline limits.
 */
export function cooldownAfter(
  ctx: AppContext,
  account: { reset_at: number | null; cooldown_until: number | null },
  open: boolean,
  nowMs: number,
): { resetAt: number | null; cooldownUntil: number | null; opened: number } {
  const running = account.cooldown_until !== null && account.cooldown_until > nowMs && account.reset_at !== null;
  const until = open ? nowMs + ctx.config.accounts.resetCooldownSeconds * 1000 : null;
  if (running) {
    const cooldownUntil = Math.max(account.cooldown_until ?? 0, until ?? 0);
    return { resetAt: account.reset_at, cooldownUntil, opened: open ? 1 : 0 };
  }
  return { resetAt: open ? nowMs : account.reset_at, cooldownUntil: until, opened: open ? 1 : 0 };
}

export async function requestReset(ctx: AppContext, input: { login: string }, client: ClientInfo): Promise<void> {
  const login = parseLogin(input.login);
  if (login === undefined) throw invalidRequest('login must be a phone number (+81…) or an e-mail address');
  const name = loginKey(login);
  const nowMs = ctx.clock.nowMs();
  const perIp = await ctx.counters.hit(`reset:ip:${normaliseIp(client.ip)}`, 3600, nowMs);
  if (perIp.count > ctx.config.throttle.signupsPerIpPerHour) throw tooManyAttempts(Math.max(1, Math.ceil((perIp.resetsAt - nowMs) / 1000)));
  // Past the per-login limit the request is still answered 202, and nothing is sent.
  const perLogin = await ctx.counters.hit(`reset:login:${name}`, 3600, nowMs);
  const allowed = perLogin.count <= ctx.config.throttle.resetsPerLoginPerHour;

  const account = await findAccountByLogin(ctx, login);
  const [smsLimit, emailLimit] = await claimBoth(ctx, allowed ? account : undefined, name);
  const resetId = newId('rst', ctx.random);
  const ttl = ctx.config.accounts.codeTtlSeconds;
  await inTransaction(ctx.db, async (trx) => {
    await trx
      .insertInto('password_resets')
      .values({ id: resetId, account_id: allowed ? (account?.id ?? null) : null, login_hash: name, ip: normaliseIp(client.ip), created_at: nowMs, expires_at: nowMs + ttl * 1000, completed_at: null })
      .execute();
    const sms = await insertCode(ctx, trx, { purpose: 'reset_sms', subjectId: resetId, accountId: account?.id ?? null, channel: 'sms', destination: account?.phone ?? null });
    const mail = await insertCode(ctx, trx, { purpose: 'reset_email', subjectId: resetId, accountId: account?.id ?? null, channel: 'email', destination: account?.email ?? null });
    if (account?.phone == null || account.email === null) return;
    const smsText = codeText(sms.code, ttl, 'reset');
    const mailText = codeText(mail.code, ttl, 'reset');
    await sendLimited(ctx, trx, { channel: 'sms', to: account.phone, kind: 'reset_code', text: smsText, redacted: maskCode(smsText), accountId: account.id }, smsLimit);
    await sendLimited(ctx, trx, { channel: 'email', to: account.email, kind: 'reset_code', text: mailText, redacted: maskCode(mailText), accountId: account.id }, emailLimit);
  });
  ctx.notificationsQueued();
}

/**
 * The codes of a reset confirmation (issue 9 §3). A try is spent on a code only when the
 * request proves the other factor — the other code right, or the established phone's
 * signature — so someone who knows just a login cannot burn a customer's live pair with wrong
 * guesses (a wrong pair is one chance in 10^12, and the throttle still counts it), while a
 * SIM swapper who holds the SMS code still gets at most `codeMaxAttempts` guesses at the
 * e-mail code, counted before the comparison so concurrent guesses cannot exceed it.
 */
async function checkResetCodes(
  ctx: AppContext,
  resetId: string,
  input: { smsCode?: string | undefined; emailCode?: string | undefined },
  deviceConfirms: boolean,
): Promise<{ sms: CodeCheck | undefined; mail: CodeCheck | undefined }> {
  // The established phone and one code: the SMS code, or the e-mail code when the SIM is gone.
  if (deviceConfirms && input.emailCode === undefined) return { sms: await checkCode(ctx, 'reset_sms', resetId, input.smsCode ?? ''), mail: undefined };
  if (deviceConfirms && input.smsCode === undefined) return { sms: undefined, mail: await checkCode(ctx, 'reset_email', resetId, input.emailCode ?? '') };
  const smsCode = input.smsCode ?? '';
  const emailCode = input.emailCode ?? '';
  const [smsPeek, mailPeek] = await Promise.all([peekCode(ctx, 'reset_sms', resetId, smsCode), peekCode(ctx, 'reset_email', resetId, emailCode)]);
  if (smsPeek.result === 'ok') return { sms: smsPeek, mail: await checkCode(ctx, 'reset_email', resetId, emailCode) };
  if (mailPeek.result === 'ok') return { sms: await checkCode(ctx, 'reset_sms', resetId, smsCode), mail: mailPeek };
  return { sms: smsPeek, mail: mailPeek };
}

export async function confirmReset(
  ctx: AppContext,
  input: { login: string; smsCode?: string | undefined; emailCode?: string | undefined; newPassword: string },
  client: ClientInfo,
  device: Device | null,
): Promise<void> {
  if (input.smsCode === undefined && input.emailCode === undefined) throw invalidRequest('give smsCode, emailCode, or both');
  const login = parseLogin(input.login);
  if (login === undefined) throw invalidRequest('login must be a phone number (+81…) or an e-mail address');
  passwordOrThrow(ctx, input.newPassword, [login.value]);
  const name = loginKey(login);
  const keys = codeThrottleKeys(ctx, client, `reset:${name}`);
  await enforceThrottle(ctx, keys);
  const nowMs = ctx.clock.nowMs();
  const account = await findAccountByLogin(ctx, login);
  const reset =
    account === undefined
      ? undefined
      : await ctx.db.kysely
          .selectFrom('password_resets')
          .selectAll()
          .where('account_id', '=', account.id)
          .where('completed_at', 'is', null)
          .where('expires_at', '>=', nowMs)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .executeTakeFirst();
  // Only the established phone confirms (issue 17): not a pending one, not one bound less than the hold ago.
  // A frozen account ("This wasn't me") thaws only with both codes.
  const deviceConfirms = account !== undefined && account.frozen_at === null && isEstablishedPhone(ctx, device, account.id);
  const { sms, mail } = reset === undefined ? { sms: undefined, mail: undefined } : await checkResetCodes(ctx, reset.id, input, deviceConfirms);
  // Every code given must be right; without the established phone, both are needed.
  const given = [sms, mail].filter((check) => check !== undefined);
  const codesOk = given.length > 0 && given.every((check) => check.result === 'ok') && (deviceConfirms || given.length === 2);
  if (account === undefined || reset === undefined || !codesOk) {
    await recordFailure(ctx, keys, { client });
    ctx.metrics.accountEvents.inc({ event: 'reset_failed' });
    throw invalidCode();
  }
  // Only now, with the codes right, may the answer depend on the account's other address —
  // or on the SIM-swap check (issue 17: a fresh SIM's SMS code is no factor).
  if (sms !== undefined) await requireTrustworthySms(ctx, account, 'reset');
  passwordOrThrow(ctx, input.newPassword, [account.phone, account.email]);
  const passwordHash = await hashPassword(input.newPassword, scryptParams(ctx), ctx.random);
  const cooldown = cooldownAfter(ctx, account, !deviceConfirms, nowMs);
  const cooldownUntil = cooldown.cooldownUntil;
  const text = MESSAGES.passwordChanged(formatTime(nowMs), cooldown.opened > 0 ? Math.round(ctx.config.accounts.resetCooldownSeconds / 3600) : 0);
  const done = await inTransaction(ctx.db, async (trx) => {
    for (const check of given) if (check.result === 'ok' && !(await consumeCode(trx, check.codeId, nowMs))) return false;
    await trx.updateTable('password_resets').set({ completed_at: nowMs }).where('account_id', '=', account.id).where('completed_at', 'is', null).execute();
    await trx
      .updateTable('accounts')
      .set({ password_hash: passwordHash, password_changed_at: nowMs, updated_at: nowMs, reset_at: cooldown.resetAt, cooldown_until: cooldownUntil, frozen_at: null })
      .where('id', '=', account.id)
      .execute();
    await endSessions(trx, account.id, 'password_reset', nowMs);
    // The established phone's owner reset the password: a replacement waiting for its hold was
    // bound by someone else (the owner had no reason to replace a phone it still holds).
    if (deviceConfirms) {
      const pending = await trx.selectFrom('devices').select('id').where('account_id', '=', account.id).where('status', '=', 'pending').execute();
      for (const row of pending) await markDeviceRevoked(trx, row.id, 'reset_by_established_phone', nowMs, client);
    }
    // A login started with the old password must not finish either.
    await trx.updateTable('login_challenges').set({ completed_at: nowMs }).where('account_id', '=', account.id).where('completed_at', 'is', null).execute();
    // Every channel hears of it, whatever the send limits: this is the message that matters.
    await enqueueNoticeWithUndo(ctx, trx, account, 'password_changed', text);
    return true;
  });
  if (!done) throw invalidCode();
  const accountKeys = [account.phone, account.email].flatMap((value) => {
    const parsed = value === null ? undefined : parseLogin(value);
    return parsed === undefined ? [] : loginThrottleKeys(ctx, client, loginKey(parsed)).filter((k) => !k.source);
  });
  await clearFailures(ctx, [...accountKeys, ...keys]);
  ctx.notificationsQueued();
  ctx.metrics.accountEvents.inc({ event: 'password_reset' });
  ctx.logger.info({ accountId: account.id, confirmedByDevice: deviceConfirms, cooldownUntil }, 'password reset');
}
