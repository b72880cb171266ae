import type { Ed25519 } from '../crypto/ed25519.js';
import type { TrustBundleDocument } from '../trust/trustBundle.js';
import { CertificateCache } from './certificateCache.js';
import { CERT_TYPE, CERT_VERSION, certificateSigningInput } from './certificate.js';
import { parseToken, TOKEN_TYPE, TOKEN_VERSION, tokenSigningInput } from './paymentToken.js';
import type { TokenReason } from './reasons.js';
import { decodeTokenText } from './tokenText.js';

/** Exactly the success fields of PROTOCOL.md §4. */
export interface VerifiedToken {
  deviceId: string;
  counter: number;
  issuedAt: number;
  ttl: number;
  currency: number;
  perPaymentLimit: number;
  cumulativeLimit: number;
  issuerKid: string;
  notBefore: number;
  notAfter: number;
  token: string;
}

export type TokenVerification = { ok: true; fields: VerifiedToken } | { ok: false; reason: TokenReason };

export interface VerifyTokenInput {
  /** The scan text, as received (the decoder of §3 runs first). */
  text: string;
  bundle: TrustBundleDocument;
  /** The register's clock (§4), in whole Unix seconds. */
  now: number;
  /** The sale's amount and currency; a register always passes both. */
  amount?: number;
  currency?: number;
}

export interface TokenVerifier {
  verify(input: VerifyTokenInput): TokenVerification;
}

export interface TokenVerifierOptions {
  ed25519: Ed25519;
  /** Shared by verifiers that should share hits; each verifier gets its own otherwise. */
  certificateCache?: CertificateCache;
}

/** Stage B of PROTOCOL.md §4: checks 1–13 in order, the first failure wins. Never throws. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const ed = options.ed25519;
  const cache = options.certificateCache ?? new CertificateCache();
  const revokedSets = new WeakMap<TrustBundleDocument, ReadonlySet<string>>();

  function revokedIn(bundle: TrustBundleDocument): ReadonlySet<string> {
    let set = revokedSets.get(bundle);
    if (set === undefined) {
      set = new Set(bundle.revokedDevices.map((entry) => entry.deviceId));
      revokedSets.set(bundle, set);
    }
    return set;
  }

  function verify(input: VerifyTokenInput): TokenVerification {
    const decoded = decodeTokenText(input.text);
    if (!decoded.ok) return decoded;
    const token = parseToken(decoded.bytes);
    const cert = token.certificate;
    if (
      token.version !== TOKEN_VERSION ||
      token.type !== TOKEN_TYPE ||
      cert.version !== CERT_VERSION ||
      cert.type !== CERT_TYPE
    ) {
      return fail('unsupported_version');
    }

    const { bundle, now } = input;
    const candidates = bundle.issuers.filter(
      (issuer) => issuer.kid === cert.issuerKid && issuer.notBefore <= cert.notBefore && cert.notBefore <= issuer.notAfter,
    );
    if (candidates.length === 0) return fail('unknown_issuer');
    if (!candidates.some((issuer) => cache.has(cert.bytes, issuer.publicKey))) {
      const signingInput = certificateSigningInput(cert.bytes);
      const signedBy = candidates.find((issuer) => ed.verify(issuer.publicKey, signingInput, cert.signature));
      if (signedBy === undefined) return fail('bad_cert_signature');
      cache.remember(cert.bytes, signedBy.publicKey);
    }

    if (revokedIn(bundle).has(cert.deviceId)) return fail('device_revoked');
    const skew = bundle.policy.clockSkewSeconds;
    if (now < cert.notBefore - skew) return fail('cert_not_yet_valid');
    if (now > cert.notAfter + skew) return fail('cert_expired');
    if (!ed.verify(cert.devicePublicKey, tokenSigningInput(token.bytes), token.signature)) {
      return fail('bad_token_signature');
    }
    if (token.ttl > bundle.policy.maxTokenTtlSeconds) return fail('ttl_too_long');
    if (token.issuedAt > now + skew) return fail('token_from_future');
    if (now > token.issuedAt + token.ttl + skew) return fail('token_expired');
    if (input.currency !== undefined && input.currency !== cert.currency) return fail('currency_mismatch');
    if (input.amount !== undefined && input.amount > cert.perPaymentLimit) return fail('over_payment_limit');

    return {
      ok: true,
      fields: {
        deviceId: cert.deviceId,
        counter: token.counter,
        issuedAt: token.issuedAt,
        ttl: token.ttl,
        currency: cert.currency,
        perPaymentLimit: cert.perPaymentLimit,
        cumulativeLimit: cert.cumulativeLimit,
        issuerKid: cert.issuerKid,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        token: decoded.canonical,
      },
    };
  }

  return { verify };
}

function fail(reason: TokenReason): TokenVerification {
  return { ok: false, reason };
}
