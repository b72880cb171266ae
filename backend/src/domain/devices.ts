/**
 * Devices (customer phones): a strict key, one active payment device per account (binding
 * another revokes the old; a pending one replaces it when its hold ends), a history of every
 * device ever bound and what became of it, and revocation (in the next trust bundle). Their
 * certificates are in certificates.ts; binding after 2-step verification in
 * accounts/deviceBinding.ts.
 */
import {
  fromBase64url,
  isAcceptablePublicKey,
  toHex,
} from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Device } from '../db/schema.js';
import { inTransaction, isUniqueViolation, lockRows } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { testOnlyKeyName } from '../keys/testOnlyKeys.js';
import { uuidv7 } from '../runtime/ids.js';
import { isSafeName } from './notifications/messages.js';
import type { ClientInfo } from './accounts/throttle.js';
import { issueCertificateIn, type IssuedCertificate } from './certificates.js';
import type { Tx } from './ledger.js';

/**
 * A phone's name goes into the notices of its binding and removal: no control or bidi
 * formatting characters (issue 9 §4), refused with a stable code.
 */
export function refuseUnsafeName(name: string): void {
  if (!isSafeName(name)) {
    throw ProblemError.of(400, 'unsafe_name', 'The name contains control or bidirectional formatting characters', {
      detail: 'names appear in the notices sent to the customer: use plain text without control characters, U+200E/U+200F, U+202A–U+202E or U+2066–U+2069',
    });
  }
}

export function refuseUnacceptableKey(ctx: AppContext, publicKey: string): Uint8Array {
  const key = fromBase64url(publicKey);
  if (key?.length !== 32 || !isAcceptablePublicKey(key)) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The device key is not an acceptable Ed25519 public key', {
      detail: 'it must be base64url of 32 bytes, canonically encoded and not of small order',
    });
  }
  if (!ctx.config.dev && testOnlyKeyName(publicKey) !== undefined) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The device key is a TEST-ONLY fixture key');
  }
  return key;
}

export interface BoundDevice extends IssuedCertificate {
  /** Devices this binding revoked (one payment device per account, one pending phone). */
  replaced: { id: string; name: string }[];
  status: 'active' | 'pending';
  /** While pending: when it replaces the active phone. */
  pendingUntil: number | null;
}

export interface BindRequest {
  accountId: string;
  publicKey: string;
  name: string;
  client?: ClientInfo;
  /**
   * `active` (the default): the new phone replaces the active and any pending one at once.
   * `pending`: it waits until `pendingUntil` beside the active phone, replacing only a pending one.
   */
  mode?: { kind: 'active' } | { kind: 'pending'; pendingUntil: number };
  /** Inside the binding's transaction, after the account is locked and before anything is written: refuse here. */
  check?: (trx: Tx) => Promise<void>;
  onBound?: (trx: Tx, replaced: { id: string; name: string }[]) => Promise<void>;
}

/**
 * Binds a phone and issues its certificate in one transaction on the locked account row, so
 * racing binds of one account run one after the other (on every instance): each sees what
 * the one before did, and a phone that lost the race never received a certificate.
 */
export async function bindDevice(ctx: AppContext, request: BindRequest): Promise<BoundDevice> {
  refuseUnsafeName(request.name);
  refuseUnacceptableKey(ctx, request.publicKey);
  const mode = request.mode ?? { kind: 'active' };
  const deviceId = toHex(ctx.random.bytes(8));
  const result = await inTransaction(ctx.db, async (trx) => {
    const now = ctx.clock.nowMs();
    await lockRows(ctx.db, trx.selectFrom('accounts').select('id').where('id', '=', request.accountId)).execute();
    const wallet = await trx
      .selectFrom('wallets')
      .select('id')
      .where('account_id', '=', request.accountId)
      .where('currency', '=', ctx.config.policy.currency)
      .executeTakeFirst();
    if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
    await request.check?.(trx);
    const old = await trx
      .selectFrom('devices')
      .select(['id', 'name'])
      .where('account_id', '=', request.accountId)
      .where('status', 'in', mode.kind === 'active' ? ['active', 'pending'] : ['pending'])
      .execute();
    for (const device of old) await markDeviceRevoked(trx, device.id, 'replaced', now);
    try {
      await trx
        .insertInto('devices')
        .values({
          id: deviceId,
          account_id: request.accountId,
          wallet_id: wallet.id,
          public_key: request.publicKey,
          name: request.name,
          status: mode.kind,
          bound_at: now,
          revoked_at: null,
          revoked_reason: null,
          until_s: null,
          pending_until: mode.kind === 'pending' ? mode.pendingUntil : null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemError.of(409, 'public_key_in_use', 'This key is bound to another device');
      throw error;
    }
    await trx
      .insertInto('device_history')
      .values({
        id: uuidv7(ctx.clock, ctx.random),
        device_id: deviceId,
        account_id: request.accountId,
        event: 'bound',
        at: now,
        ip: request.client?.ip ?? null,
        user_agent: request.client?.userAgent ?? null,
        detail: JSON.stringify({ name: request.name, replaced: old.map((d) => d.id), ...(mode.kind === 'pending' ? { pendingUntil: mode.pendingUntil } : {}) }),
      })
      .execute();
    await request.onBound?.(trx, old);
    const issued = await issueCertificateIn(ctx, trx, deviceId);
    return { issued, old };
  });
  if (result.old.length > 0) await ctx.trust.rebuild('device replaced');
  return { ...result.issued, replaced: result.old, status: mode.kind, pendingUntil: mode.kind === 'pending' ? mode.pendingUntil : null };
}

/** A device by id, whatever its state (device-signed requests look up their key here). */
export function findDevice(ctx: AppContext, deviceId: string): Promise<Device | undefined> {
  return ctx.db.kysely.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
}

/**
 * A pending phone whose hold has ended replaces the account's active phone: the old one is
 * revoked (listed in the next bundle), the new one may pay. Called wherever a phone's state
 * matters (authorization, device-signed requests, binding, listing), so no timer is needed and
 * every instance sees the same stored hold. True when a phone was promoted.
 */
export async function promoteDuePhones(ctx: AppContext, accountId: string): Promise<boolean> {
  const nowMs = ctx.clock.nowMs();
  const due = await ctx.db.kysely
    .selectFrom('devices')
    .select('id')
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .where('pending_until', '<=', nowMs)
    .executeTakeFirst();
  if (due === undefined) return false;
  const promoted = await inTransaction(ctx.db, async (trx) => {
    await lockRows(ctx.db, trx.selectFrom('accounts').select('id').where('id', '=', accountId)).execute();
    const frozen = await trx.selectFrom('accounts').select('frozen_at').where('id', '=', accountId).executeTakeFirstOrThrow();
    if (frozen.frozen_at !== null) return false;
    const still = await trx.selectFrom('devices').select('id').where('id', '=', due.id).where('status', '=', 'pending').executeTakeFirst();
    if (still === undefined) return false;
    const active = await trx.selectFrom('devices').select('id').where('account_id', '=', accountId).where('status', '=', 'active').execute();
    for (const device of active) await markDeviceRevoked(trx, device.id, 'replaced', nowMs);
    await trx.updateTable('devices').set({ status: 'active', pending_until: null }).where('id', '=', due.id).execute();
    await trx
      .insertInto('device_history')
      .values({
        id: uuidv7(ctx.clock, ctx.random),
        device_id: due.id,
        account_id: accountId,
        event: 'hold_ended',
        at: nowMs,
        ip: null,
        user_agent: null,
        detail: JSON.stringify({ replaced: active.map((d) => d.id) }),
      })
      .execute();
    return true;
  });
  if (promoted) {
    ctx.logger.info({ accountId, deviceId: due.id }, 'pending phone became active at the end of its hold');
    await ctx.trust.rebuild('device replaced');
  }
  return promoted;
}

/**
 * Marks a device revoked inside `trx` and records it in the device's history; true when it was
 * active or pending. The caller rebuilds the bundle after commit.
 */
export async function markDeviceRevoked(
  trx: Tx,
  deviceId: string,
  reason: string,
  nowMs: number,
  client?: ClientInfo,
): Promise<boolean> {
  const result = await trx
    .updateTable('devices')
    .set({ status: 'revoked', revoked_at: nowMs, revoked_reason: reason, pending_until: null })
    .where('id', '=', deviceId)
    .where('status', 'in', ['active', 'pending'])
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return false;
  const device = await trx.selectFrom('devices').select('account_id').where('id', '=', deviceId).executeTakeFirstOrThrow();
  await trx
    .insertInto('device_history')
    .values({
      id: `${deviceId}:revoked`,
      device_id: deviceId,
      account_id: device.account_id,
      event: 'revoked',
      at: nowMs,
      ip: client?.ip ?? null,
      user_agent: client?.userAgent ?? null,
      detail: JSON.stringify({ reason }),
    })
    .execute();
  return true;
}

/** Admin revocation: revoked at once, listed in the trust bundle signed right after. */
export async function revokeDevice(ctx: AppContext, deviceId: string, reason: string): Promise<{ deviceId: string; status: string }> {
  const changed = await inTransaction(ctx.db, (trx) => markDeviceRevoked(trx, deviceId, reason, ctx.clock.nowMs()));
  const device = await ctx.db.kysely.selectFrom('devices').select(['id', 'status']).where('id', '=', deviceId).executeTakeFirst();
  if (device === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device');
  if (changed) {
    ctx.logger.info({ deviceId, reason }, 'device revoked');
    await ctx.trust.rebuild('device revoked');
  }
  return { deviceId: device.id, status: device.status };
}
