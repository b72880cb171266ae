import type { FastifyRequest } from 'fastify';
import './requestContext.js';
import {
  fromBase64url,
  readSignedRequestHeaders,
  REQUEST_TIME_WINDOW_MS,
  verifySignedRequest,
  type Ed25519,
  type SignedRequestResult,
} from '@tegata/protocol';
import { ProblemError } from './problemError.js';

type Failure = Extract<SignedRequestResult, { ok: false }>;

/**
 * The problems a signed request (PROTOCOL.md §6) fails with before its principal matters —
 * the same for terminals and devices; null for the principal-specific failures.
 */
export function signedRequestProblem(result: Failure): ProblemError | null {
  switch (result.code) {
    case 'missing_headers':
      return ProblemError.of(401, 'missing_signature', 'The request is not signed', { detail: `header ${result.header} is missing` });
    case 'malformed_headers':
      return ProblemError.of(401, 'malformed_signature_headers', 'A signature header is malformed', {
        detail: `header ${result.header} is not in its canonical form`,
      });
    case 'timestamp_out_of_window':
      return ProblemError.of(401, 'timestamp_out_of_window', 'Request time is too far from server time', {
        detail: `Tegata-Timestamp must be within ${REQUEST_TIME_WINDOW_MS / 1000} s of the server time`,
        extensions: { serverTime: result.serverTimeMs },
      });
    case 'bad_signature':
      return ProblemError.of(401, 'bad_signature', 'The request signature does not verify');
    default:
      return null;
  }
}

const EMPTY = new Uint8Array(0);

/** A principal of a signed request, as its table holds it. */
interface Principal {
  public_key: string;
}

/**
 * The one check of a signed request (PROTOCOL.md §6) for terminals and devices alike: headers,
 * the time window, then the principal's key and signature. Only a request inside the window
 * costs a lookup (and learns whether its id exists). Failures before the principal matters are
 * thrown as their problems; what an unknown or revoked principal gets is the caller's to say.
 */
export async function checkSignedRequest<P extends Principal>(
  request: FastifyRequest,
  kind: 'terminal' | 'device',
  deps: { ed25519: Ed25519; nowMs: number; find(id: string): Promise<P | undefined>; revoked(principal: P): boolean },
): Promise<{ ok: true; principal: P } | { ok: false; code: 'unknown_principal' | 'revoked_principal'; principal: P | undefined }> {
  const headers = readSignedRequestHeaders(kind, request.headers);
  const inWindow = headers.ok && Math.abs(deps.nowMs - headers.timestampMs) <= REQUEST_TIME_WINDOW_MS;
  const principal = headers.ok && inWindow ? await deps.find(headers.principalId) : undefined;
  const publicKey = principal === undefined ? null : fromBase64url(principal.public_key);
  const result = verifySignedRequest(deps.ed25519, {
    kind,
    method: request.method,
    target: request.raw.url ?? request.url,
    headers: request.headers,
    body: request.rawBody ?? EMPTY,
    nowMs: deps.nowMs,
    lookupKey: () => (principal === undefined || publicKey === null ? undefined : { publicKey, revoked: deps.revoked(principal) }),
  });
  if (result.ok) {
    if (principal === undefined) throw new Error(`verified a ${kind} request without its ${kind}`);
    return { ok: true, principal };
  }
  const common = signedRequestProblem(result);
  if (common !== null) throw common;
  return { ok: false, code: result.code === 'revoked_principal' ? 'revoked_principal' : 'unknown_principal', principal };
}
