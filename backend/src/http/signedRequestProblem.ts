import { REQUEST_TIME_WINDOW_MS, type SignedRequestResult } from '@tegata/protocol';
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
