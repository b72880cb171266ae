/**
 * Login with a second factor, always (DESIGN.md): the password opens a challenge whose code
 * goes by SMS (a full session) or e-mail (a restricted one: view the wallet, revoke a lost
 * phone); a request signed by the account's bound phone is itself the second factor. Sessions
 * are 256-bit random bearer tokens stored as SHA-256, ending after 24 h or 1 h idle, and all
 * of an account's sessions end when its password changes.
 */
import { createHash } from 'node:crypto';
import { toBase64url } from '@tegata/protocol';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Account, Channel, Device, SecondFactor, Session, SessionScope } from '../../db/schema.js';
import { ProblemError } from '../../http/problemError.js';
import { newId } from '../../runtime/ids.js';
import type { Tx } from '../ledger.js';
import { claimSend, sendLimited } from '../notifications/sendLimits.js';
import { codeText, MESSAGES, maskCode } from '../notifications/messages.js';
import { checkCode, consumeCode, insertCode } from './codes.js';
import { loginKey, parseLogin, type Login } from './contacts.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { requireTrustworthySms } from './simSwap.js';
import { invalidRequest, scryptParams } from './signup.js';
import {
  clearFailures,
  codeThrottleKeys,
  deviceLoginThrottleKeys,
  enforceThrottle,
  loginThrottleKeys,
  recordFailure,
  type ClientInfo,
} from './throttle.js';

export interface SessionGrant {
  sessionToken: string;
  expiresAt: number;
  scope: SessionScope;
}

export interface LoginChallenge {
  challengeId: string;
  channel: Channel;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function invalidCredentials(): ProblemError {
  return ProblemError.of(401, 'invalid_credentials', 'The login or password is not right');
}

function invalidLoginCode(attemptsLeft?: number): ProblemError {
  return ProblemError.of(401, 'invalid_code', 'The code is not valid', {
    detail: 'codes expire after 10 minutes and allow 5 tries; log in again for a new one',
    ...(attemptsLeft === undefined ? {} : { extensions: { attemptsLeft } }),
  });
}

export async function findAccountByLogin(ctx: AppContext, login: Login): Promise<Account | undefined> {
  return ctx.db.kysely
    .selectFrom('accounts')
    .selectAll()
    .where(login.kind === 'phone' ? 'phone' : 'email', '=', login.value)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** The login-name counters of an account: it may log in by phone or by e-mail. */
function accountLoginKeys(ctx: AppContext, account: Account, client: ClientInfo) {
  const names = [account.phone, account.email].flatMap((value) => {
    const login = value === null ? undefined : parseLogin(value);
    return login === undefined ? [] : [loginKey(login)];
  });
  return names.flatMap((name) => loginThrottleKeys(ctx, client, name).filter((k) => !k.source));
}

/**
 * `POST /v1/sessions`. With `device` (a request the account's bound phone signed) a correct
 * password gives a full session at once; otherwise a challenge whose code goes to the phone or
 * address on file. A wrong password and an unknown login get the same 401 after the same work.
 */
export async function startLogin(
  ctx: AppContext,
  input: { login: string; password: string; channel?: Channel | undefined },
  client: ClientInfo,
  device: Device | null,
): Promise<LoginChallenge | SessionGrant> {
  const login = parseLogin(input.login);
  if (login === undefined) throw invalidRequest('login must be a phone number (+81…) or an e-mail address');
  const name = loginKey(login);
  // The bound phone proves itself: it is held to its own counter only, so an attacker's
  // failures on this login name or from this address cannot hold the customer back.
  const keys = device === null ? loginThrottleKeys(ctx, client, name) : deviceLoginThrottleKeys(ctx, device.id);
  const snapshot = await enforceThrottle(ctx, keys);

  const account = await findAccountByLogin(ctx, login);
  const params = scryptParams(ctx);
  const passwordOk = await verifyPassword(account?.password_hash, input.password, params);
  if (account === undefined || !passwordOk || (device !== null && device.account_id !== account.id)) {
    // A phone's own failures count on it (and on its address, for unsigned attempts from
    // there), not on the login name: a phone signing guesses at other people's logins slows
    // only itself.
    const failed = device === null ? keys : [...keys, ...loginThrottleKeys(ctx, client, null)];
    await recordFailure(ctx, failed, { client, loginKey: name, password: true, snapshot, accountId: account?.id ?? null });
    ctx.metrics.accountEvents.inc({ event: 'login_failed' });
    throw invalidCredentials();
  }
  if (account.password_hash !== null && needsRehash(account.password_hash, params)) {
    const upgraded = await hashPassword(input.password, params, ctx.random);
    await ctx.db.kysely.updateTable('accounts').set({ password_hash: upgraded }).where('id', '=', account.id).execute();
  }

  if (device !== null) {
    const grant = await inTransaction(ctx.db, (trx) => createSession(ctx, trx, account.id, 'device', client));
    await clearFailures(ctx, [...accountLoginKeys(ctx, account, client), ...keys]);
    ctx.metrics.accountEvents.inc({ event: 'login' });
    return grant;
  }

  const channel: Channel = input.channel ?? 'sms';
  const to = channel === 'sms' ? account.phone : account.email;
  if (to === null) throw invalidCredentials(); // a dev account without contacts cannot log in
  if ((await claimSend(ctx, channel, to)) !== null) {
    throw ProblemError.of(429, 'too_many_codes', 'Too many codes were sent to this account', {
      detail: 'wait an hour before asking for another code',
      extensions: { retryAfterSeconds: 3600 },
    });
  }
  const nowMs = ctx.clock.nowMs();
  const challengeId = newId('chl', ctx.random);
  const ttl = ctx.config.accounts.codeTtlSeconds;
  await inTransaction(ctx.db, async (trx) => {
    await trx
      .insertInto('login_challenges')
      .values({ id: challengeId, account_id: account.id, channel, ip: client.ip, user_agent: client.userAgent, created_at: nowMs, expires_at: nowMs + ttl * 1000, completed_at: null })
      .execute();
    const code = await insertCode(ctx, trx, { purpose: 'login', subjectId: challengeId, accountId: account.id, channel, destination: to });
    const text = codeText(code.code, ttl, 'login');
    await sendLimited(ctx, trx, { channel, to, kind: 'code', text, redacted: maskCode(text), accountId: account.id }, null);
  });
  ctx.notificationsQueued();
  return { challengeId, channel };
}

/** `POST /v1/sessions/verify`: the challenge's code gives the session. */
export async function verifyLogin(ctx: AppContext, input: { challengeId: string; code: string }, client: ClientInfo): Promise<SessionGrant> {
  const nowMs = ctx.clock.nowMs();
  const challenge = await ctx.db.kysely.selectFrom('login_challenges').selectAll().where('id', '=', input.challengeId).executeTakeFirst();
  const keys = codeThrottleKeys(ctx, client, challenge?.account_id ?? null);
  await enforceThrottle(ctx, keys);
  if (challenge === undefined || challenge.completed_at !== null || challenge.expires_at < nowMs) {
    await recordFailure(ctx, keys, { client });
    throw invalidLoginCode();
  }
  const check = await checkCode(ctx, 'login', challenge.id, input.code);
  if (check.result !== 'ok') {
    await recordFailure(ctx, keys, { client });
    ctx.metrics.accountEvents.inc({ event: 'second_factor_failed' });
    if (check.result === 'wrong' && check.attemptsLeft === 0) await notifySecondFactorFailed(ctx, challenge.account_id);
    throw invalidLoginCode(check.result === 'wrong' ? check.attemptsLeft : 0);
  }
  // Issue 17: an SMS code from a number whose SIM just changed is no second factor.
  if (challenge.channel === 'sms') {
    const owner = await ctx.db.kysely.selectFrom('accounts').select(['id', 'phone']).where('id', '=', challenge.account_id).executeTakeFirstOrThrow();
    await requireTrustworthySms(ctx, owner, 'login');
  }
  const scope: SessionScope = challenge.channel === 'sms' ? 'full' : 'restricted';
  const grant = await inTransaction(ctx.db, async (trx) => {
    if (!(await consumeCode(trx, check.codeId, nowMs))) return null;
    const completed = await trx
      .updateTable('login_challenges')
      .set({ completed_at: nowMs })
      .where('id', '=', challenge.id)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (completed.numUpdatedRows !== 1n) return null;
    return createSession(ctx, trx, challenge.account_id, challenge.channel, client, scope);
  });
  if (grant === null) throw invalidLoginCode();
  const account = await ctx.db.kysely.selectFrom('accounts').selectAll().where('id', '=', challenge.account_id).executeTakeFirst();
  if (account !== undefined) await clearFailures(ctx, [...accountLoginKeys(ctx, account, client), ...keys]);
  ctx.metrics.accountEvents.inc({ event: 'login' });
  return grant;
}

/** A code died of wrong guesses: the customer hears of it on both channels. */
async function notifySecondFactorFailed(ctx: AppContext, accountId: string): Promise<void> {
  const account = await ctx.db.kysely.selectFrom('accounts').select(['phone', 'email']).where('id', '=', accountId).executeTakeFirst();
  if (account === undefined) return;
  const text = MESSAGES.secondFactorFailed();
  const targets = [
    ...(account.email === null ? [] : [{ channel: 'email' as const, to: account.email }]),
    ...(account.phone === null ? [] : [{ channel: 'sms' as const, to: account.phone }]),
  ];
  const claims = await Promise.all(targets.map((target) => claimSend(ctx, target.channel, target.to)));
  await inTransaction(ctx.db, async (trx) => {
    for (const [i, target] of targets.entries()) {
      await sendLimited(ctx, trx, { ...target, kind: 'second_factor_failed', text, accountId }, claims[i] ?? null);
    }
  });
  ctx.notificationsQueued();
}

export async function createSession(
  ctx: AppContext,
  trx: Tx,
  accountId: string,
  factor: SecondFactor,
  client: ClientInfo,
  scope: SessionScope = 'full',
): Promise<SessionGrant> {
  const token = toBase64url(ctx.random.bytes(32));
  const nowMs = ctx.clock.nowMs();
  const expiresAt = nowMs + ctx.config.accounts.sessionTtlSeconds * 1000;
  await trx
    .insertInto('sessions')
    .values({
      id: newId('ses', ctx.random),
      token_hash: tokenHash(token),
      account_id: accountId,
      scope,
      second_factor: factor,
      verified_at: nowMs,
      created_at: nowMs,
      expires_at: expiresAt,
      last_seen_at: nowMs,
      ended_at: null,
      ended_reason: null,
      ip: client.ip,
      user_agent: client.userAgent,
    })
    .execute();
  return { sessionToken: token, expiresAt, scope };
}

/** The live session of a bearer token (and marks it seen), or undefined. */
export async function sessionOfToken(ctx: AppContext, token: string): Promise<Session | undefined> {
  const nowMs = ctx.clock.nowMs();
  const session = await ctx.db.kysely
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .selectAll('sessions')
    .where('sessions.token_hash', '=', tokenHash(token))
    .where('accounts.status', '=', 'active')
    .executeTakeFirst();
  if (session === undefined || session.ended_at !== null) return undefined;
  if (session.expires_at <= nowMs || session.last_seen_at + ctx.config.accounts.sessionIdleSeconds * 1000 <= nowMs) return undefined;
  if (nowMs - session.last_seen_at >= 1000) {
    await ctx.db.kysely.updateTable('sessions').set({ last_seen_at: nowMs }).where('id', '=', session.id).execute();
  }
  return { ...session, last_seen_at: nowMs };
}

/** Ends every live session of the account inside `trx`; returns how many. */
export async function endSessions(trx: Tx, accountId: string, reason: string, nowMs: number): Promise<number> {
  const result = await trx
    .updateTable('sessions')
    .set({ ended_at: nowMs, ended_reason: reason })
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function endSession(ctx: AppContext, sessionId: string): Promise<void> {
  await ctx.db.kysely
    .updateTable('sessions')
    .set({ ended_at: ctx.clock.nowMs(), ended_reason: 'logout' })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .execute();
}

