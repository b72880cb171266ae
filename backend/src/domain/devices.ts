/**
 * Devices (customer phones) and their certificates (PROTOCOL.md §2): a strict key, one payment
 * device per account (binding another revokes the old), a history of every device ever bound
 * and what became of it, certificates signed by the active issuer with offline limits from the
 * account's risk (lower for new accounts, zero for a phone bound during a password-reset
 * cool-down) and never above the wallet balance, at most two unexpired per device, renewal
 * only in the last quarter of the current one, and revocation (in the next trust bundle).
 * Binding after 2-step verification is in accounts/deviceBinding.ts.
 */
import {
  certificateSigningInput,
  fromBase64url,
  isAcceptablePublicKey,
  parseCertificate,
  toBase64url,
  toHex,
} from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Device } from '../db/schema.js';
import { inTransaction, isUniqueViolation, lockRows } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { activeIssuer } from '../keys/keyFiles.js';
import { signCertificateWith } from '../keys/signWith.js';
import { testOnlyKeyName } from '../keys/testOnlyKeys.js';
import { nowSeconds } from '../runtime/clock.js';
import { uuidv7 } from '../runtime/ids.js';
import { isSafeName } from './notifications/messages.js';
import type { ClientInfo } from './accounts/throttle.js';
import type { Tx } from './ledger.js';

export interface IssuedCertificate {
  deviceId: string;
  /** base64url of the 128 bytes. */
  certificate: string;
  notBefore: number;
  notAfter: number;
  perPaymentLimit: number;
  cumulativeLimit: number;
}

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

export interface CertificateLimits {
  perPaymentLimit: number;
  cumulativeLimit: number;
  /** Why they are what they are, for logs and tests. */
  basis: 'standard' | 'new_account' | 'reset_cooldown' | 'pending';
}

/**
 * Offline limits for a certificate issued now: zero for a pending phone (it waits for its
 * hold), zero for a phone bound after a password reset while the cool-down lasts (a SIM
 * swapper who got through a reset cannot pay offline), lower for a new account, and never
 * more than what the wallet holds beyond the limits of the account's other unexpired
 * certificates (`exposed`, revoked phones' included: a register that has not synced still
 * accepts them), so all of them together never exceed the balance at issue.
 */
export function certificateLimits(
  ctx: AppContext,
  account: { risk: string; created_at: number; reset_at: number | null; cooldown_until: number | null },
  device: { bound_at: number; status?: string },
  balance: number,
  exposed = 0,
): CertificateLimits {
  const nowMs = ctx.clock.nowMs();
  const { certificates, accounts } = ctx.config;
  if (device.status === 'pending') return { perPaymentLimit: 0, cumulativeLimit: 0, basis: 'pending' };
  if (account.cooldown_until !== null && account.cooldown_until > nowMs && account.reset_at !== null && device.bound_at >= account.reset_at) {
    return { perPaymentLimit: 0, cumulativeLimit: 0, basis: 'reset_cooldown' };
  }
  const isNew = account.risk === 'new' && nowMs - account.created_at < accounts.newAccountDays * 86_400_000;
  const available = Math.max(0, Math.min(balance - exposed, 0xffffffff));
  const cumulativeLimit = Math.min(isNew ? certificates.newAccountCumulativeLimit : certificates.cumulativeLimit, available);
  return {
    perPaymentLimit: Math.min(isNew ? certificates.newAccountPerPaymentLimit : certificates.perPaymentLimit, cumulativeLimit),
    cumulativeLimit,
    basis: isNew ? 'new_account' : 'standard',
  };
}

/** The most unexpired certificates a device may hold (PROTOCOL.md §2). */
export const MAX_UNEXPIRED_CERTIFICATES = 2;

/**
 * A device-signed renewal: only in the last quarter of the newest certificate's lifetime, so
 * limits cannot be multiplied by renewing.
 */
export async function renewCertificate(ctx: AppContext, deviceId: string, client?: ClientInfo): Promise<IssuedCertificate> {
  const nowS = nowSeconds(ctx.clock);
  const newest = await ctx.db.kysely
    .selectFrom('certificates')
    .select(['not_before_s', 'not_after_s', 'cumulative_limit'])
    .where('device_id', '=', deviceId)
    .orderBy('not_after_s', 'desc')
    .executeTakeFirst();
  // A certificate without offline limits (issued while pending or in a cool-down) multiplies
  // nothing: renewing it at once lets a phone whose hold ended pay.
  if (newest !== undefined && newest.not_after_s >= nowS && newest.cumulative_limit > 0) {
    const renewableAt = newest.not_before_s + Math.ceil(((newest.not_after_s - newest.not_before_s) * 3) / 4);
    if (nowS < renewableAt) {
      throw ProblemError.of(409, 'renewal_too_early', 'The certificate can be renewed only in the last quarter of its lifetime', {
        detail: `renew at or after ${renewableAt} (Unix seconds)`,
        extensions: { renewableAt },
      });
    }
  }
  const issued = await issueCertificate(ctx, deviceId);
  const device = await ctx.db.kysely.selectFrom('devices').select('account_id').where('id', '=', deviceId).executeTakeFirstOrThrow();
  await ctx.db.kysely
    .insertInto('device_history')
    .values({
      id: uuidv7(ctx.clock, ctx.random),
      device_id: deviceId,
      account_id: device.account_id,
      event: 'renewed',
      at: ctx.clock.nowMs(),
      ip: client?.ip ?? null,
      user_agent: client?.userAgent ?? null,
      detail: JSON.stringify({ notAfter: issued.notAfter, perPaymentLimit: issued.perPaymentLimit, cumulativeLimit: issued.cumulativeLimit }),
    })
    .execute();
  return issued;
}

/** Signs a certificate for an active (or pending) device with the active issuer. */
export function issueCertificate(ctx: AppContext, deviceId: string): Promise<IssuedCertificate> {
  return inTransaction(ctx.db, (trx) => issueCertificateIn(ctx, trx, deviceId));
}

/**
 * The same inside `trx`, on the locked account row: the limits of the account's other
 * unexpired certificates are read and this one stored under one lock, so two issuances at
 * once cannot both count the same money.
 */
export async function issueCertificateIn(ctx: AppContext, trx: Tx, deviceId: string): Promise<IssuedCertificate> {
  const nowS = nowSeconds(ctx.clock);
  const issuer = activeIssuer(ctx.trust.keyring, nowS);
  if (issuer === undefined) throw ProblemError.of(503, 'no_issuer_key', 'No issuer key can sign now');
  const owner = await trx.selectFrom('devices').select('account_id').where('id', '=', deviceId).executeTakeFirst();
  if (owner === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device');
  await lockRows(ctx.db, trx.selectFrom('accounts').select('id').where('id', '=', owner.account_id)).execute();
  const device = await trx
    .selectFrom('devices')
    .innerJoin('ledger_accounts', 'ledger_accounts.id', 'devices.wallet_id')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .select([
      'devices.id',
      'devices.public_key',
      'devices.status',
      'devices.bound_at',
      'ledger_accounts.balance',
      'ledger_accounts.currency',
      'accounts.risk',
      'accounts.created_at',
      'accounts.reset_at',
      'accounts.cooldown_until',
    ])
    .where('devices.id', '=', deviceId)
    .executeTakeFirst();
  if (device === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device');
  if (device.status === 'revoked') throw ProblemError.of(409, 'device_revoked', 'This device has been revoked');
  const unexpired = await trx
    .selectFrom('certificates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .where('not_after_s', '>=', nowS)
    .executeTakeFirstOrThrow();
  if (Number(unexpired.n) >= MAX_UNEXPIRED_CERTIFICATES) {
    throw ProblemError.of(409, 'too_many_certificates', 'This device already holds two unexpired certificates');
  }
  const exposure = await trx
    .selectFrom('certificates')
    .innerJoin('devices', 'devices.id', 'certificates.device_id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('certificates.cumulative_limit'), eb.lit(0)).as('total'))
    .where('devices.account_id', '=', owner.account_id)
    .where('certificates.not_after_s', '>=', nowS)
    .executeTakeFirstOrThrow();
  const limits = certificateLimits(ctx, device, device, device.balance, Number(exposure.total));
  const fields = {
    issuerKid: issuer.signer.kid,
    deviceId,
    devicePublicKey: fromBase64url(device.public_key) ?? new Uint8Array(0),
    notBefore: nowS,
    notAfter: nowS + ctx.config.keys.certificateLifetimeSeconds,
    currency: device.currency,
    perPaymentLimit: limits.perPaymentLimit,
    cumulativeLimit: limits.cumulativeLimit,
  };
  const bytes = await signCertificateWith(issuer.signer, fields);
  const parsed = parseCertificate(bytes);
  if (!ctx.ed.verify(issuer.signer.publicKey, certificateSigningInput(bytes), parsed.signature)) {
    throw new Error('the issuer produced a certificate that does not verify');
  }
  const certificate = toBase64url(bytes);
  await trx
    .insertInto('certificates')
    .values({
      id: uuidv7(ctx.clock, ctx.random),
      device_id: deviceId,
      issuer_kid: fields.issuerKid,
      not_before_s: fields.notBefore,
      not_after_s: fields.notAfter,
      currency: fields.currency,
      per_payment_limit: fields.perPaymentLimit,
      cumulative_limit: fields.cumulativeLimit,
      certificate,
      issued_at: ctx.clock.nowMs(),
    })
    .execute();
  // `until` is the newest certificate's not_after; an older one never shortens it.
  await trx
    .updateTable('devices')
    .set({ until_s: fields.notAfter })
    .where('id', '=', deviceId)
    .where((eb) => eb.or([eb('until_s', 'is', null), eb('until_s', '<', fields.notAfter)]))
    .execute();
  return {
    deviceId,
    certificate,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    perPaymentLimit: fields.perPaymentLimit,
    cumulativeLimit: fields.cumulativeLimit,
  };
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
