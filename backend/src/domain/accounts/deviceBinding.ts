/**
 * Binding a customer's phone (DESIGN.md "Accounts and devices"): a full session whose SMS code
 * was verified less than 10 minutes ago, and a proof that the caller holds the device key —
 * Ed25519(device key, "tegata/bind/v1" ‖ UTF-8 session token), so a key seen elsewhere cannot be
 * bound by someone else. Binding revokes the account's previous phone, and is told to the
 * customer by SMS and e-mail. Removing a phone (a lost one) is allowed to either session scope.
 */
import { concatBytes, fromBase64url, utf8Encode } from '@tegata/protocol';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/database.js';
import type { Session } from '../../db/schema.js';
import { ProblemError } from '../../http/problemError.js';
import { bindDevice, markDeviceRevoked, refuseUnacceptableKey, type BoundDevice } from '../devices.js';
import { formatTime, MESSAGES } from '../notifications/messages.js';
import { enqueueMessage } from '../notifications/outbox.js';
import type { ClientInfo } from './throttle.js';

export const BIND_PROOF_PREFIX = 'tegata/bind/v1';

async function contactsOf(ctx: AppContext, accountId: string): Promise<{ channel: 'sms' | 'email'; to: string }[]> {
  const account = await ctx.db.kysely.selectFrom('accounts').select(['phone', 'email']).where('id', '=', accountId).executeTakeFirstOrThrow();
  return [
    ...(account.phone === null ? [] : [{ channel: 'sms' as const, to: account.phone }]),
    ...(account.email === null ? [] : [{ channel: 'email' as const, to: account.email }]),
  ];
}

export async function bindDeviceWithSession(
  ctx: AppContext,
  session: Session,
  sessionToken: string,
  input: { publicKey: string; name: string; proof: string },
  client: ClientInfo,
): Promise<BoundDevice> {
  const nowMs = ctx.clock.nowMs();
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
  // Security notices are not subject to send limits: they are few, and they are what matters.
  const targets = await contactsOf(ctx, session.account_id);
  const text = MESSAGES.deviceBound(input.name, formatTime(nowMs));
  const bound = await bindDevice(ctx, {
    accountId: session.account_id,
    publicKey: input.publicKey,
    name: input.name,
    client,
    onBound: async (trx) => {
      for (const target of targets) await enqueueMessage(ctx, trx, { ...target, kind: 'device_bound', text, accountId: session.account_id });
    },
  });
  ctx.notificationsQueued();
  ctx.metrics.accountEvents.inc({ event: 'device_bound' });
  ctx.logger.info({ accountId: session.account_id, deviceId: bound.deviceId, replaced: bound.replaced.map((d) => d.id) }, 'device bound');
  return bound;
}

/** `DELETE /v1/devices/{id}`: the account's own device only; revoked in the next trust bundle. */
export async function removeDevice(ctx: AppContext, accountId: string, deviceId: string, client: ClientInfo): Promise<void> {
  const device = await ctx.db.kysely.selectFrom('devices').select(['id', 'name', 'status']).where('id', '=', deviceId).where('account_id', '=', accountId).executeTakeFirst();
  if (device === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device on this account');
  if (device.status !== 'active') return;
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
  const rows = await ctx.db.kysely.selectFrom('devices').selectAll().where('account_id', '=', accountId).orderBy('bound_at', 'desc').execute();
  // The active phone first (two bindings may share a millisecond), then newest first.
  rows.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || b.bound_at - a.bound_at);
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
