/**
 * Devices (customer phones) and their certificates. Binding with 2-step verification is the
 * next issue's; this is the part the issuer owns: a strict key, one payment device per
 * account (binding another revokes the old), certificates signed by the active issuer with
 * limits never above the wallet balance, and revocation (in the next trust bundle).
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
import { inTransaction, isUniqueViolation } from '../db/database.js';
import { ProblemError } from '../http/problemError.js';
import { activeIssuer } from '../keys/keyFiles.js';
import { signCertificateWith } from '../keys/signWith.js';
import { testOnlyKeyName } from '../keys/testOnlyKeys.js';
import { nowSeconds } from '../runtime/clock.js';
import { uuidv7 } from '../runtime/ids.js';
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

export async function bindDevice(
  ctx: AppContext,
  request: { accountId: string; publicKey: string; name: string },
): Promise<IssuedCertificate> {
  const key = fromBase64url(request.publicKey);
  if (key?.length !== 32 || !isAcceptablePublicKey(key)) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The device key is not an acceptable Ed25519 public key');
  }
  if (!ctx.config.dev && testOnlyKeyName(request.publicKey) !== undefined) {
    throw ProblemError.of(400, 'unacceptable_public_key', 'The device key is a TEST-ONLY fixture key');
  }
  const now = ctx.clock.nowMs();
  const deviceId = toHex(ctx.random.bytes(8));
  const replaced = await inTransaction(ctx.db, async (trx) => {
    const wallet = await trx
      .selectFrom('wallets')
      .select('id')
      .where('account_id', '=', request.accountId)
      .where('currency', '=', ctx.config.policy.currency)
      .executeTakeFirst();
    if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
    const old = await trx
      .selectFrom('devices')
      .select('id')
      .where('account_id', '=', request.accountId)
      .where('status', '=', 'active')
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
          status: 'active',
          bound_at: now,
          revoked_at: null,
          revoked_reason: null,
          until_s: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemError.of(409, 'public_key_in_use', 'This key is bound to another device');
      throw error;
    }
    return old.length;
  });
  if (replaced > 0) await ctx.trust.rebuild('device replaced');
  return issueCertificate(ctx, deviceId);
}

/** Signs a certificate for an active device with the active issuer. */
export async function issueCertificate(ctx: AppContext, deviceId: string): Promise<IssuedCertificate> {
  const nowS = nowSeconds(ctx.clock);
  const issuer = activeIssuer(ctx.trust.keyring, nowS);
  if (issuer === undefined) throw ProblemError.of(503, 'no_issuer_key', 'No issuer key can sign now');
  const device = await ctx.db.kysely
    .selectFrom('devices')
    .innerJoin('ledger_accounts', 'ledger_accounts.id', 'devices.wallet_id')
    .select(['devices.id', 'devices.public_key', 'devices.status', 'ledger_accounts.balance', 'ledger_accounts.currency'])
    .where('devices.id', '=', deviceId)
    .executeTakeFirst();
  if (device === undefined) throw ProblemError.of(404, 'device_not_found', 'No such device');
  if (device.status !== 'active') throw ProblemError.of(409, 'device_revoked', 'This device has been revoked');
  const available = Math.max(0, device.balance);
  const fields = {
    issuerKid: issuer.signer.kid,
    deviceId,
    devicePublicKey: fromBase64url(device.public_key) ?? new Uint8Array(0),
    notBefore: nowS,
    notAfter: nowS + ctx.config.keys.certificateLifetimeSeconds,
    currency: device.currency,
    perPaymentLimit: Math.min(ctx.config.certificates.perPaymentLimit, available),
    cumulativeLimit: Math.min(ctx.config.certificates.cumulativeLimit, available),
  };
  const bytes = await signCertificateWith(issuer.signer, fields);
  const parsed = parseCertificate(bytes);
  if (!ctx.ed.verify(issuer.signer.publicKey, certificateSigningInput(bytes), parsed.signature)) {
    throw new Error('the issuer produced a certificate that does not verify');
  }
  const certificate = toBase64url(bytes);
  await inTransaction(ctx.db, async (trx) => {
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
  });
  return {
    deviceId,
    certificate,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    perPaymentLimit: fields.perPaymentLimit,
    cumulativeLimit: fields.cumulativeLimit,
  };
}

/** Marks a device revoked inside `trx`; true when it was active. The caller rebuilds the bundle after commit. */
export async function markDeviceRevoked(trx: Tx, deviceId: string, reason: string, nowMs: number): Promise<boolean> {
  const result = await trx
    .updateTable('devices')
    .set({ status: 'revoked', revoked_at: nowMs, revoked_reason: reason })
    .where('id', '=', deviceId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
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
