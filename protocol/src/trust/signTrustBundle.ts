import { asciiBytes, concatBytes, utf8Encode } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { toBase64url } from '../encoding.js';
import {
  DELEGATION_SIGNING_PREFIX,
  TRUST_FORMAT,
  TRUST_SIGNING_PREFIX,
  type Delegation,
  type SignedTrustBundle,
  type TrustBundleDocument,
} from './trustBundle.js';

export interface SignedDelegation {
  payload: string;
  signature: string;
}

/** The root key delegates a bundle key for [notBefore, notAfter] (PROTOCOL.md §5). */
export function signDelegation(ed: Ed25519, rootSeed: Uint8Array, delegation: Delegation): SignedDelegation {
  const payload = utf8Encode(
    JSON.stringify({
      bundleKey: toBase64url(delegation.bundleKey),
      notBefore: delegation.notBefore,
      notAfter: delegation.notAfter,
    }),
  );
  const signature = ed.sign(rootSeed, concatBytes(asciiBytes(DELEGATION_SIGNING_PREFIX), payload));
  return { payload: toBase64url(payload), signature: toBase64url(signature) };
}

/** The JSON form of a bundle document, members in the order PROTOCOL.md shows. */
export function encodeTrustDocument(document: TrustBundleDocument): Uint8Array {
  return utf8Encode(
    JSON.stringify({
      serial: document.serial,
      issuedAt: document.issuedAt,
      expiresAt: document.expiresAt,
      issuers: document.issuers.map((issuer) => ({
        kid: issuer.kid,
        publicKey: toBase64url(issuer.publicKey),
        notBefore: issuer.notBefore,
        notAfter: issuer.notAfter,
      })),
      revokedDevices: document.revokedDevices.map((entry) => ({ deviceId: entry.deviceId, until: entry.until })),
      policy: {
        currency: document.policy.currency,
        clockSkewSeconds: document.policy.clockSkewSeconds,
        maxTokenTtlSeconds: document.policy.maxTokenTtlSeconds,
        maxOfflineSeconds: document.policy.maxOfflineSeconds,
        maxStoredPayments: document.policy.maxStoredPayments,
        maxStoredAmount: document.policy.maxStoredAmount,
        maxClockAgeSeconds: document.policy.maxClockAgeSeconds,
      },
    }),
  );
}

/** Signs a document with a bundle key and packs it with that key's delegation. */
export function signTrustBundle(
  ed: Ed25519,
  bundleSeed: Uint8Array,
  delegation: SignedDelegation,
  document: TrustBundleDocument | Uint8Array,
): SignedTrustBundle {
  const payload = document instanceof Uint8Array ? document : encodeTrustDocument(document);
  const signature = ed.sign(bundleSeed, concatBytes(asciiBytes(TRUST_SIGNING_PREFIX), payload));
  return {
    format: TRUST_FORMAT,
    delegation: { payload: delegation.payload, signature: delegation.signature },
    payload: toBase64url(payload),
    signature: toBase64url(signature),
  };
}
