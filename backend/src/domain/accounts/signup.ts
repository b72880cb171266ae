/**
 * Sign-up (PROTOCOL.md §8): `POST /v1/accounts` answers 202 whatever happens next, and
 * `POST /v1/accounts/verify` needs both codes — one sent by SMS, one by e-mail — so both
 * channels are proven before an account exists. An address that already has an account gets a
 * notice instead of a code; the caller sees the same answer, after the same work (one scrypt,
 * the same rows written), so sign-up reveals nothing about which numbers or addresses are
 * customers'.
 */
import type { AppContext } from '../../context.js';
import { inTransaction, isUniqueViolation } from '../../db/database.js';
import { ProblemError } from '../../http/problemError.js';
import { newId } from '../../runtime/ids.js';
import { insertAccountWithWallet } from '../accounts.js';
import { enqueueMessage } from '../notifications/outbox.js';
import { claimSend, sendLimited } from '../notifications/sendLimits.js';
import { codeText, MESSAGES, maskCode } from '../notifications/messages.js';
import { checkCode, consumeCode, insertCode } from './codes.js';
import { normaliseEmail, normaliseIp, normalisePhone } from './contacts.js';
import { checkPassword, hashPassword, passwordProblemText } from './passwords.js';
import { codeThrottleKeys, enforceThrottle, recordFailure, tooManyAttempts, type ClientInfo } from './throttle.js';

export function invalidRequest(detail: string): ProblemError {
  return ProblemError.of(400, 'invalid_request', 'The request is invalid', { detail });
}

export function invalidCode(): ProblemError {
  return ProblemError.of(400, 'invalid_code', 'The codes are not valid', {
    detail: 'check the codes, or ask for new ones: codes expire after 10 minutes and allow 5 tries',
  });
}

export function scryptParams(ctx: AppContext): { logN: number; r: number; p: number } {
  const { accounts } = ctx.config;
  return { logN: accounts.scryptLogN, r: accounts.scryptR, p: accounts.scryptP };
}

export function contactsOrThrow(phoneInput: string, emailInput: string): { phone: string; email: string } {
  const phone = normalisePhone(phoneInput);
  if (phone === undefined) throw invalidRequest('phone must be an international number: + and the country code, e.g. +81 90 1234 5678');
  const email = normaliseEmail(emailInput);
  if (email === undefined) throw invalidRequest('email is not an e-mail address');
  return { phone, email };
}

export function passwordOrThrow(ctx: AppContext, password: string, contacts: readonly (string | null)[]): void {
  const problem = checkPassword(password, { maxLength: ctx.config.accounts.passwordMaxLength, contacts });
  if (problem !== null) {
    throw ProblemError.of(400, 'weak_password', 'Choose another password', { detail: passwordProblemText(problem), extensions: { reason: problem } });
  }
}

export async function startSignup(ctx: AppContext, input: { phone: string; email: string; password: string }, client: ClientInfo): Promise<void> {
  const { phone, email } = contactsOrThrow(input.phone, input.email);
  passwordOrThrow(ctx, input.password, [phone, email]);
  const nowMs = ctx.clock.nowMs();
  const perIp = await ctx.counters.hit(`signup:ip:${normaliseIp(client.ip)}`, 3600, nowMs);
  if (perIp.count > ctx.config.throttle.signupsPerIpPerHour) throw tooManyAttempts(Math.max(1, Math.ceil((perIp.resetsAt - nowMs) / 1000)));

  const passwordHash = await hashPassword(input.password, scryptParams(ctx), ctx.random);
  const taken = await ctx.db.kysely
    .selectFrom('accounts')
    .select(['phone', 'email'])
    .where((eb) => eb.or([eb('phone', '=', phone), eb('email', '=', email)]))
    .execute();
  const phoneTaken = taken.some((row) => row.phone === phone);
  const emailTaken = taken.some((row) => row.email === email);
  const [smsLimit, emailLimit] = await Promise.all([claimSend(ctx, 'sms', phone), claimSend(ctx, 'email', email)]);

  const signupId = newId('sgn', ctx.random);
  const ttl = ctx.config.accounts.codeTtlSeconds;
  await inTransaction(ctx.db, async (trx) => {
    await trx
      .insertInto('signups')
      .values({ id: signupId, phone, email, password_hash: passwordHash, ip: normaliseIp(client.ip), created_at: nowMs, expires_at: nowMs + ttl * 1000, completed_at: null })
      .execute();
    // Codes are stored for taken addresses too (never sent), so both paths write the same rows.
    const sms = await insertCode(ctx, trx, { purpose: 'signup_sms', subjectId: signupId, accountId: null, channel: 'sms', destination: phone });
    const mail = await insertCode(ctx, trx, { purpose: 'signup_email', subjectId: signupId, accountId: null, channel: 'email', destination: email });
    const smsText = phoneTaken ? MESSAGES.signupExists('sms') : codeText(sms.code, ttl, 'signup');
    const mailText = emailTaken ? MESSAGES.signupExists('email') : codeText(mail.code, ttl, 'signup');
    await sendLimited(ctx, trx, { channel: 'sms', to: phone, kind: phoneTaken ? 'signup_exists' : 'code', text: smsText, redacted: maskCode(smsText) }, smsLimit);
    await sendLimited(ctx, trx, { channel: 'email', to: email, kind: emailTaken ? 'signup_exists' : 'code', text: mailText, redacted: maskCode(mailText) }, emailLimit);
  });
  ctx.notificationsQueued();
}

export async function verifySignup(
  ctx: AppContext,
  input: { phone: string; smsCode: string; emailCode: string },
  client: ClientInfo,
): Promise<{ accountId: string }> {
  const phone = normalisePhone(input.phone);
  if (phone === undefined) throw invalidRequest('phone must be an international number');
  const keys = codeThrottleKeys(ctx, client, `signup:${phone}`);
  await enforceThrottle(ctx, keys);
  const nowMs = ctx.clock.nowMs();
  const signup = await ctx.db.kysely
    .selectFrom('signups')
    .selectAll()
    .where('phone', '=', phone)
    .where('completed_at', 'is', null)
    .where('expires_at', '>=', nowMs)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  // Both codes are always tried, so a failure never says which one was wrong.
  const sms = signup === undefined ? undefined : await checkCode(ctx, 'signup_sms', signup.id, input.smsCode);
  const mail = signup === undefined ? undefined : await checkCode(ctx, 'signup_email', signup.id, input.emailCode);
  if (signup === undefined || sms?.result !== 'ok' || mail?.result !== 'ok') {
    await recordFailure(ctx, keys, { client });
    throw invalidCode();
  }
  const created = await inTransaction(ctx.db, async (trx) => {
    if (!(await consumeCode(trx, sms.codeId, nowMs)) || !(await consumeCode(trx, mail.codeId, nowMs))) return null;
    await trx.updateTable('signups').set({ completed_at: nowMs }).where('id', '=', signup.id).execute();
    // A unique violation (someone signed up with one of these addresses since) rolls the whole
    // transaction back and gets the same answer as wrong codes.
    const account = await insertAccountWithWallet(ctx, trx, {
      phone: signup.phone,
      email: signup.email,
      currency: ctx.config.policy.currency,
      passwordHash: signup.password_hash,
      verified: true,
      risk: 'new',
    });
    await enqueueMessage(ctx, trx, { channel: 'email', to: signup.email, kind: 'welcome', text: MESSAGES.welcome(), accountId: account.accountId });
    return account;
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) return null;
    throw error;
  });
  if (created === null) throw invalidCode();
  ctx.notificationsQueued();
  ctx.metrics.accountEvents.inc({ event: 'signup' });
  ctx.logger.info({ accountId: created.accountId }, 'account created');
  return { accountId: created.accountId };
}
