/**
 * Signed requests (PROTOCOL.md §6): terminal → backend requests signed with the terminal key,
 * and the wallet's requests signed with the device key. Pure: the caller hands in the Ed25519
 * implementation, the clock reading and the key lookup.
 */
import { utf8Encode } from '../bytes.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import { fromBase64url, isLowerHex, toBase64url, toHex } from '../encoding.js';
import { sha256 } from '../sha256.js';

export type SignedRequestKind = 'terminal' | 'device';

export interface RequestToSign {
  /** An uppercase HTTP method token (`GET`, `POST`, `M-SEARCH`); never case-folded by us. */
  readonly method: string;
  /** The path and query exactly as on the request line, e.g. `/v1/terminal/trust?serial=4`. */
  readonly target: string;
  /** Unix milliseconds, a non-negative safe integer. */
  readonly timestampMs: number;
  /** The terminal id, or for kind `device` the 16-hex-character device id. */
  readonly principalId: string;
  /** The body bytes exactly as sent; empty for a request without a body. */
  readonly body: Uint8Array;
}

/** Header names as a client sends them. */
export const SIGNED_REQUEST_HEADERS = {
  terminal: 'Tegata-Terminal',
  device: 'Tegata-Device',
  timestamp: 'Tegata-Timestamp',
  signature: 'Tegata-Signature',
} as const;

export type SignedRequestHeaders<K extends SignedRequestKind = SignedRequestKind> = Readonly<
  Record<(typeof SIGNED_REQUEST_HEADERS)[K] | 'Tegata-Timestamp' | 'Tegata-Signature', string>
>;

/** The default and protocol-mandated tolerance between the client's and the server's clock. */
export const REQUEST_TIME_WINDOW_MS = 300_000;

const PREFIX: Readonly<Record<SignedRequestKind, string>> = {
  terminal: 'tegata/req/v1\n',
  device: 'tegata/devreq/v1\n',
};

const TERMINAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
// RFC 9110 `token` without lowercase letters: every registered method, including M-SEARCH.
const UPPERCASE_METHOD = /^[A-Z0-9!#$%&'*+.^_`|~-]+$/;
// Visible ASCII, so the target can hold no newline (which would shift the signed fields) and
// its UTF-8 is its bytes on the request line.
const REQUEST_TARGET = /^[\x21-\x7e]+$/;
const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;
const SIGNATURE_BASE64URL_LENGTH = 86; // 64 bytes, unpadded

export function isValidPrincipalId(kind: SignedRequestKind, id: string): boolean {
  return kind === 'terminal' ? TERMINAL_ID.test(id) : isLowerHex(id, 16);
}

/**
 * The bytes the signature covers. Every part is validated because a newline inside any of them
 * would let one signature stand for a different request; invalid parts are a programmer error
 * (RangeError). The method must already be uppercase: folding it here would make two different
 * request lines share a signature.
 */
export function requestSigningInput(kind: SignedRequestKind, req: RequestToSign): Uint8Array {
  if (!UPPERCASE_METHOD.test(req.method)) throw new RangeError('method must be an uppercase HTTP token');
  if (!REQUEST_TARGET.test(req.target)) throw new RangeError('request target must be visible ASCII');
  if (!Number.isSafeInteger(req.timestampMs) || req.timestampMs < 0) {
    throw new RangeError('timestampMs must be a non-negative safe integer');
  }
  if (!isValidPrincipalId(kind, req.principalId)) throw new RangeError(`invalid ${kind} id`);
  const text =
    PREFIX[kind] +
    req.method +
    '\n' +
    req.target +
    '\n' +
    String(req.timestampMs) +
    '\n' +
    req.principalId +
    '\n' +
    toHex(sha256(req.body));
  return utf8Encode(text);
}

export function signRequest<K extends SignedRequestKind>(
  ed: Ed25519,
  seed: Uint8Array,
  kind: K,
  req: RequestToSign,
): SignedRequestHeaders<K> {
  const signature = ed.sign(seed, requestSigningInput(kind, req));
  const headers: Record<string, string> = {
    [SIGNED_REQUEST_HEADERS[kind]]: req.principalId,
    [SIGNED_REQUEST_HEADERS.timestamp]: String(req.timestampMs),
    [SIGNED_REQUEST_HEADERS.signature]: toBase64url(signature),
  };
  return headers as SignedRequestHeaders<K>;
}

/** Header values keyed by lowercase name, as Node (and so Fastify's `request.headers`) gives them. */
export type LowercaseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface PrincipalKey {
  readonly publicKey: Uint8Array;
  readonly revoked: boolean;
}

export interface SignedRequestToVerify {
  readonly kind: SignedRequestKind;
  /** The method as the server parsed it (uppercase; a programmer error otherwise). */
  readonly method: string;
  /** The raw request target (`request.raw.url` in Fastify), not a normalised path. */
  readonly target: string;
  readonly headers: LowercaseHeaders;
  readonly body: Uint8Array;
  readonly nowMs: number;
  /** Defaults to REQUEST_TIME_WINDOW_MS. */
  readonly windowMs?: number;
  /** Synchronous; a caller with an async store reads the id first (readSignedRequestHeaders). */
  readonly lookupKey: (principalId: string) => PrincipalKey | undefined;
}

export type HeaderFailureCode = 'missing_headers' | 'malformed_headers';

export interface ParsedSignedRequestHeaders {
  readonly principalId: string;
  readonly timestampMs: number;
  readonly signature: Uint8Array;
}

export type ReadHeadersResult =
  | ({ readonly ok: true } & ParsedSignedRequestHeaders)
  | { readonly ok: false; readonly code: HeaderFailureCode; readonly header: string };

/**
 * Result codes, stable strings:
 * - `missing_headers`: a header is absent or empty (401);
 * - `malformed_headers`: a header is repeated or not in its one canonical form (401);
 * - `timestamp_out_of_window`: |now − timestamp| > window; carries serverTimeMs (401);
 * - `unknown_principal`: no key for the id (401);
 * - `bad_signature`: the key does not verify the request (401);
 * - `revoked_principal`: the signature is good but the principal is revoked (403).
 */
export type SignedRequestResult =
  | { readonly ok: true; readonly principalId: string; readonly timestampMs: number }
  | { readonly ok: false; readonly code: HeaderFailureCode; readonly header: string }
  | {
      readonly ok: false;
      readonly code: 'timestamp_out_of_window';
      readonly principalId: string;
      readonly timestampMs: number;
      readonly serverTimeMs: number;
    }
  | {
      readonly ok: false;
      readonly code: 'unknown_principal' | 'bad_signature' | 'revoked_principal';
      readonly principalId: string;
    };

export type SignedRequestFailureCode = Extract<SignedRequestResult, { ok: false }>['code'];

/**
 * Syntax only: no clock, no key store. Header names are looked up in lowercase. An empty value
 * counts as missing; a repeated header (several values) is malformed.
 */
export function readSignedRequestHeaders(kind: SignedRequestKind, headers: LowercaseHeaders): ReadHeadersResult {
  const idName = SIGNED_REQUEST_HEADERS[kind].toLowerCase();
  const timestampName = SIGNED_REQUEST_HEADERS.timestamp.toLowerCase();
  const signatureName = SIGNED_REQUEST_HEADERS.signature.toLowerCase();
  const id = singleValue(headers[idName]);
  const timestampText = singleValue(headers[timestampName]);
  const signatureText = singleValue(headers[signatureName]);
  if (id === '') return { ok: false, code: 'missing_headers', header: idName };
  if (timestampText === '') return { ok: false, code: 'missing_headers', header: timestampName };
  if (signatureText === '') return { ok: false, code: 'missing_headers', header: signatureName };

  if (id === null || !isValidPrincipalId(kind, id)) return { ok: false, code: 'malformed_headers', header: idName };
  const timestampMs = timestampText !== null && CANONICAL_DECIMAL.test(timestampText) ? Number(timestampText) : -1;
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    return { ok: false, code: 'malformed_headers', header: timestampName };
  }
  const signature =
    signatureText !== null && signatureText.length === SIGNATURE_BASE64URL_LENGTH ? fromBase64url(signatureText) : null;
  if (signature === null || signature.length !== 64) {
    return { ok: false, code: 'malformed_headers', header: signatureName };
  }
  return { ok: true, principalId: id, timestampMs, signature };
}

/** '' when absent or empty; null when repeated (several values); otherwise the one value. */
function singleValue(value: string | readonly string[] | undefined): string | null {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value.length > 1) return null;
  return value[0] ?? '';
}

/**
 * Check order, cheapest first, and so that an unauthenticated caller learns as little as possible:
 * 1. headers present and canonical (no lookup);
 * 2. timestamp within the window (no lookup, so a stale or replayed request never reveals
 *    whether its id exists, and costs no store access);
 * 3. key lookup: `unknown_principal` (unavoidably before the signature: the key is needed to
 *    verify it; a caller that must hide which ids exist answers it like `bad_signature`);
 * 4. signature: `bad_signature`;
 * 5. revocation: `revoked_principal` only to a caller who proved it holds the key, so that
 *    revocation status is not disclosed to anyone who merely knows an id (device ids are seen by
 *    every merchant).
 */
export function verifySignedRequest(ed: Ed25519, input: SignedRequestToVerify): SignedRequestResult {
  const windowMs = input.windowMs ?? REQUEST_TIME_WINDOW_MS;
  if (!Number.isSafeInteger(input.nowMs) || input.nowMs < 0) throw new RangeError('nowMs must be a non-negative safe integer');
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) throw new RangeError('windowMs must be a non-negative safe integer');
  if (!UPPERCASE_METHOD.test(input.method)) throw new RangeError('method must be an uppercase HTTP token');

  const parsed = readSignedRequestHeaders(input.kind, input.headers);
  if (!parsed.ok) return parsed;
  const { principalId, timestampMs, signature } = parsed;

  // Both are safe integers, so the difference is exact.
  if (Math.abs(input.nowMs - timestampMs) > windowMs) {
    return { ok: false, code: 'timestamp_out_of_window', principalId, timestampMs, serverTimeMs: input.nowMs };
  }

  const key = input.lookupKey(principalId);
  if (key === undefined) return { ok: false, code: 'unknown_principal', principalId };

  // A target no signer accepts (not visible ASCII) cannot carry a valid signature.
  if (!REQUEST_TARGET.test(input.target)) return { ok: false, code: 'bad_signature', principalId };
  const message = requestSigningInput(input.kind, {
    method: input.method,
    target: input.target,
    timestampMs,
    principalId,
    body: input.body,
  });
  if (!ed.verify(key.publicKey, message, signature)) return { ok: false, code: 'bad_signature', principalId };

  if (key.revoked) return { ok: false, code: 'revoked_principal', principalId };
  return { ok: true, principalId, timestampMs };
}
