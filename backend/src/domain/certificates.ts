/**
 * Certificates of customer phones (PROTOCOL.md §2): signed by the active issuer, with offline
 * limits from the account's risk (lower for new accounts, zero for a pending phone or one bound
 * during a password-reset cool-down) and never above what the wallet holds beyond the account's
 * other unexpired certificates; at most two unexpired per device; renewal only in the last
 * quarter of the current one.
 */
import {
  certificateSigningInput,
  fromBase64url,
  parseCertificate,
  toBase64url,
} from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { inTransaction, lockRows } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { activeIssuer } from '../keys/keyFiles.js';
import { signCertificateWith } from '../keys/signWith.js';
import { nowSeconds } from '../runtime/clock.js';
import { uuidv7 } from '../runtime/ids.js';
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

