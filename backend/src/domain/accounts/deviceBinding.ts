/**
 * Binding a customer's phone (DESIGN.md "Accounts and devices", issue 17): a full session
 * whose SMS code was verified less than 10 minutes ago, and a proof that the caller holds the
 * device key — Ed25519(device key, "tegata/bind/v1" ‖ UTF-8 session token), so a key seen
 * elsewhere cannot be bound by someone else. A session binds one phone at most.
 *
 * An SMS code is never enough, alone with the password, to replace a phone:
 * - the account's first phone binds with the SMS session alone;
 * - a replacement signed by the active phone (bound at least the hold ago) is active at once
 *   and revokes the old one;
 * - a replacement with an e-mail code (the old phone lost) is pending for the hold: no offline
 *   limits, declined online (`device_pending`), the old phone kept until the hold ends; a
 *   second one during the hold replaces the pending one;
 * - anything else is refused (`bind_needs_phone_or_email`).
 * Binds are rate-limited per account, and told to the customer by SMS and e-mail. Removing a
 * lost phone takes a session opened with the e-mail code (or the phone's own signed login)
 * when it is the established phone; any other phone goes from either session.
 */
import { concatBytes, fromBase64url, utf8Encode } from '@tegata/protocol';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Device, SecondFactor, Session } from '../../db/schema.js';
import { ProblemError } from '../../http/problemError.js';
import { bindDevice, markDeviceRevoked, promoteDuePhones, refuseUnacceptableKey, refuseUnsafeName, type BoundDevice } from '../devices.js';
import type { Tx } from '../ledger.js';
import { codeText, formatTime, maskCode, MESSAGES } from '../notifications/messages.js';
import { enqueueMessage } from '../notifications/outbox.js';
import { claimSend, sendLimited } from '../notifications/sendLimits.js';
import { checkCode, consumeCode, insertCode } from './codes.js';
import { accountFrozen, enqueueNoticeWithUndo } from './notMe.js';
import { requireTrustworthySms } from './simSwap.js';
import { invalidCode } from './signup.js';
import { codeThrottleKeys, enforceThrottle, recordFailure, type ClientInfo } from './throttle.js';

export const BIND_PROOF_PREFIX = 'tegata/bind/v1';

async function contactsOf(ctx: AppContext, accountId: string): Promise<{ channel: 'sms' | 'email'; to: string }[]> {
  const account = await ctx.db.kysely.selectFrom('accounts').select(['phone', 'email']).where('id', '=', accountId).executeTakeFirstOrThrow();
  return [
    ...(account.phone === null ? [] : [{ channel: 'sms' as const, to: account.phone }]),
    ...(account.email === null ? [] : [{ channel: 'email' as const, to: account.email }]),
  ];
}

/** What a step-up e-mail code is for; each is bound to the session that asked for it. */
export type StepUpAction = 'bind' | 'password';

const STEP_UP_PURPOSE = { bind: 'bind_email', password: 'password_email' } as const;

export function stepUpPurpose(action: StepUpAction): 'bind_email' | 'password_email' {
  return STEP_UP_PURPOSE[action];
}

/**
 * `POST /v1/account/email-code`: from a full session, a code by e-mail to the address on file
 * (never elsewhere), for replacing a phone without it or changing the password.
 */
export async function sendStepUpCode(ctx: AppContext, session: Session, action: StepUpAction): Promise<void> {
  const account = await ctx.db.kysely.selectFrom('accounts').select(['email']).where('id', '=', session.account_id).executeTakeFirstOrThrow();
  if (account.email === null) throw ProblemError.of(409, 'no_email_on_file', 'This account has no e-mail address to send a code to');
  const limit = await claimSend(ctx, 'email', account.email);
  if (limit !== null) {
    throw ProblemError.of(429, 'too_many_codes', 'Too many codes were sent to this account', {
      detail: 'wait an hour before asking for another code',
      extensions: { retryAfterSeconds: 3600 },
    });
  }
  const ttl = ctx.config.accounts.codeTtlSeconds;
  await inTransaction(ctx.db, async (trx) => {
    const code = await insertCode(ctx, trx, { purpose: stepUpPurpose(action), subjectId: session.id, accountId: session.account_id, channel: 'email', destination: account.email });
    const text = codeText(code.code, ttl, action);
    await sendLimited(ctx, trx, { channel: 'email', to: account.email ?? '', kind: 'code', text, redacted: maskCode(text), accountId: session.account_id }, null);
  });
  ctx.notificationsQueued();
}

/**
 * Checks the step-up e-mail code of `session` for `action`; a wrong one counts against the
 * account's code throttle. Returns the code's id, to be consumed in the change's transaction.
 */
export async function checkStepUpCode(ctx: AppContext, session: Session, action: StepUpAction, code: string, client: ClientInfo): Promise<string> {
  const keys = codeThrottleKeys(ctx, client, session.account_id);
  await enforceThrottle(ctx, keys);
  const check = await checkCode(ctx, stepUpPurpose(action), session.id, code);
  if (check.result !== 'ok') {
    await recordFailure(ctx, keys, { client });
    ctx.metrics.accountEvents.inc({ event: 'second_factor_failed' });
    throw invalidCode();
  }
  return check.codeId;
}

/** True when `device` is the account's active phone and was bound at least the hold ago. */
export function isEstablishedPhone(ctx: AppContext, device: Device | null, accountId: string): boolean {
  return (
    device !== null &&
    device.account_id === accountId &&
    device.status === 'active' &&
    ctx.clock.nowMs() - device.bound_at >= ctx.config.accounts.bindHoldSeconds * 1000
  );
}

function needsPhoneOrEmail(): ProblemError {
  return ProblemError.of(403, 'bind_needs_phone_or_email', 'Replacing the bound phone needs the bound phone or an e-mail code', {
    detail:
      'either sign this request with the phone bound now (Tegata-Device), or ask for an e-mail code (POST /v1/account/email-code {"action":"bind"}) and send it as emailCode: the new phone then waits before it can pay',
  });
}

function tooNewToConfirm(): ProblemError {
  return ProblemError.of(403, 'phone_too_new_to_confirm', 'A phone bound this recently confirms nothing', {
    detail: 'a phone confirms a binding, reset or password change only once it has been bound for the hold; use an e-mail code instead',
  });
}

async function refuseBeyondBindLimit(ctx: AppContext, trx: Tx, accountId: string, nowMs: number): Promise<void> {
  const since = nowMs - 86_400_000;
  const recent = await trx
    .selectFrom('device_history')
    .select(['at'])
    .where('account_id', '=', accountId)
    .where('event', '=', 'bound')
    .where('at', '>', since)
    .orderBy('at', 'asc')
    .execute();
  if (recent.length >= ctx.config.accounts.bindsPerDay) {
    const retryAfterSeconds = Math.max(1, Math.ceil(((recent[0]?.at ?? nowMs) + 86_400_000 - nowMs) / 1000));
    throw ProblemError.of(429, 'too_many_binds', 'Too many phones were bound to this account today', {
      detail: `at most ${ctx.config.accounts.bindsPerDay} a day`,
      extensions: { retryAfterSeconds },
    });
  }
}

export async function bindDeviceWithSession(
  ctx: AppContext,
  session: Session,
  sessionToken: string,
  input: { publicKey: string; name: string; proof: string; emailCode?: string | undefined },
  client: ClientInfo,
  signer: Device | null = null,
): Promise<BoundDevice> {
  const nowMs = ctx.clock.nowMs();
  refuseUnsafeName(input.name);
  if (session.second_factor !== 'sms' || nowMs - session.verified_at > ctx.config.accounts.bindWithinSeconds * 1000) {
    throw ProblemError.of(403, 'sms_verification_required', 'Binding a phone needs a login verified by SMS in the last 10 minutes', {
      detail: 'log in again with the SMS code, then bind',
    });
  }
  const key = refuseUnacceptableKey(ctx, input.publicKey);
  const proof = fromBase64url(input.proof);
  const message = concatBytes(utf8Encode(BIND_PROOF_PREFIX), utf8Encode(sessionToken));
  if (proof?.length !== 64 || !ctx.ed.verify(key, message, proof)) {
    throw ProblemError.of(400, 'bad_proof', 'The proof of possession does not verify', {
      detail: 'proof = Ed25519(device key, "tegata/bind/v1" ‖ UTF-8 session token), base64url',
    });
  }
  const accountId = session.account_id;
  const account = await ctx.db.kysely.selectFrom('accounts').select(['id', 'phone', 'email', 'frozen_at']).where('id', '=', accountId).executeTakeFirstOrThrow();
  if (account.frozen_at !== null) throw accountFrozen();
  await requireTrustworthySms(ctx, account, 'bind');
  await promoteDuePhones(ctx, accountId);
  if (signer !== null && !isEstablishedPhone(ctx, signer, accountId)) {
    if (signer.account_id !== accountId) throw ProblemError.of(403, 'wrong_device', 'The signing phone is not bound to this account');
    throw tooNewToConfirm();
  }
  const ever = await ctx.db.kysely.selectFrom('devices').select('id').where('account_id', '=', accountId).executeTakeFirst();
  // The way this bind is allowed; the first phone binds with the SMS session alone.
  let way: 'first' | 'phone' | 'email';
  if (signer !== null) way = 'phone';
  else if (ever === undefined) way = 'first';
  else if (input.emailCode !== undefined) way = 'email';
  else throw needsPhoneOrEmail();
  const emailCodeId = way === 'email' ? await checkStepUpCode(ctx, session, 'bind', input.emailCode ?? '', client) : null;
  const hold = ctx.config.accounts.bindHoldSeconds * 1000;
  const pendingUntil = way === 'email' && hold > 0 ? nowMs + hold : null;

  // Security notices are not subject to send limits: they are few, and they are what matters.
  const text =
    pendingUntil === null ? MESSAGES.deviceBound(input.name, formatTime(nowMs)) : MESSAGES.devicePending(input.name, formatTime(nowMs), formatTime(pendingUntil));
  const bound = await bindDevice(ctx, {
    accountId,
    publicKey: input.publicKey,
    name: input.name,
    client,
    mode: pendingUntil === null ? { kind: 'active' } : { kind: 'pending', pendingUntil },
    check: async (trx) => {
      const state = await trx.selectFrom('accounts').select('frozen_at').where('id', '=', accountId).executeTakeFirstOrThrow();
      if (state.frozen_at !== null) throw accountFrozen();
      const used = await trx.updateTable('sessions').set({ bind_used_at: nowMs }).where('id', '=', session.id).where('bind_used_at', 'is', null).executeTakeFirst();
      if (used.numUpdatedRows !== 1n) {
        throw ProblemError.of(409, 'session_already_bound', 'This session has already bound a phone', { detail: 'log in again to bind another' });
      }
      // Under the account's lock: what was true before may not be any more.
      if (way === 'first') {
        const bound = await trx.selectFrom('devices').select('id').where('account_id', '=', accountId).executeTakeFirst();
        if (bound !== undefined) throw needsPhoneOrEmail();
      }
      if (way === 'phone' && signer !== null) {
        const still = await trx.selectFrom('devices').select('status').where('id', '=', signer.id).executeTakeFirst();
        if (still?.status !== 'active') throw ProblemError.of(403, 'device_revoked', 'This device has been revoked');
      }
      await refuseBeyondBindLimit(ctx, trx, accountId, nowMs);
      if (emailCodeId !== null && !(await consumeCode(trx, emailCodeId, nowMs))) throw invalidCode();
    },
    onBound: (trx) => enqueueNoticeWithUndo(ctx, trx, account, 'device_bound', text),
  });
  ctx.notificationsQueued();
  ctx.metrics.accountEvents.inc({ event: 'device_bound' });
  ctx.logger.info({ accountId, deviceId: bound.deviceId, way, pendingUntil, replaced: bound.replaced.map((d) => d.id) }, 'device bound');
  return bound;
}

/**
 * `DELETE /v1/devices/{id}`: the account's own device only; revoked in the next trust bundle.
 * The established phone is not removed on an SMS code alone (a SIM swapper would take the
 * customer's way back in, and its payments, with it): from a session opened with the e-mail
 * code, or by the phone's own signed login. Any other phone (pending, or bound less than the
 * hold ago) goes from either session.
 */
export async function removeDevice(ctx: AppContext, accountId: string, deviceId: string, client: ClientInfo, secondFactor: SecondFactor | null): Promise<void> {
  const device = await ctx.db.kysely.selectFrom('devices').selectAll().where('id', '=', deviceId).where('account_id', '=', accountId).executeTakeFirst();
  if (device === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device on this account');
  if (device.status === 'revoked') return;
  if (secondFactor === 'sms' && isEstablishedPhone(ctx, device, accountId)) {
    throw ProblemError.of(403, 'removal_needs_email_or_phone', 'An SMS code alone does not remove the phone this account relies on', {
      detail: 'log in with the e-mail code (channel "email") to remove it, or from the phone itself (a login it signs)',
    });
  }
  const nowMs = ctx.clock.nowMs();
  const targets = await contactsOf(ctx, accountId);
  const changed = await inTransaction(ctx.db, async (trx) => {
    const revoked = await markDeviceRevoked(trx, deviceId, 'customer', nowMs, client);
    if (revoked) {
      const text = MESSAGES.deviceRevoked(device.name, formatTime(nowMs));
      for (const target of targets) await enqueueMessage(ctx, trx, { ...target, kind: 'device_revoked', text, accountId });
    }
    return revoked;
  });
  if (changed) {
    ctx.notificationsQueued();
    ctx.logger.info({ accountId, deviceId }, 'device removed by the customer');
    await ctx.trust.rebuild('device revoked');
  }
}

export interface DeviceView {
  deviceId: string;
  name: string;
  status: 'active' | 'pending' | 'revoked';
  /** While pending: when it replaces the active phone and may pay. */
  pendingUntil: number | null;
  boundAt: number;
  revokedAt: number | null;
  /** not_after of its newest certificate (Unix seconds). */
  certificateNotAfter: number | null;
}

export async function listDevices(ctx: AppContext, accountId: string): Promise<DeviceView[]> {
  await promoteDuePhones(ctx, accountId);
  const rows = await ctx.db.kysely.selectFrom('devices').selectAll().where('account_id', '=', accountId).orderBy('bound_at', 'desc').execute();
  // The active phone first (two bindings may share a millisecond), then newest first.
  const rank = (status: string) => (status === 'active' ? 2 : status === 'pending' ? 1 : 0);
  rows.sort((a, b) => rank(b.status) - rank(a.status) || b.bound_at - a.bound_at);
  return rows.map((row) => ({
    deviceId: row.id,
    name: row.name,
    status: row.status,
    pendingUntil: row.pending_until,
    boundAt: row.bound_at,
    revokedAt: row.revoked_at,
    certificateNotAfter: row.until_s,
  }));
}
