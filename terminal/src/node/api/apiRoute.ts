import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError, TerminalHandlers } from '../../shared/contracts/terminalApi.js';
import { dispatch, isTerminalMethod, mutates } from '../../shared/contracts/apiTransport.js';
import type { LoopbackLogger } from './loopbackLogger.js';
import { hasBearerToken, refusalBody, sendJson, sendRefusal, type Refusal } from './requestGuards.js';

/** Request bodies are small JSON objects; a scan is at most 8 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP status for each refusal. The body is the handler's `ApiResult` either way, so a
 * client can read `error.code` without looking at the status; the status is for people reading
 * logs and for tools. A `Record` so that a new code does not compile until it has a status.
 */
export const API_ERROR_STATUS: Readonly<Record<ApiError['code'], number>> = {
  unknown_method: 404,
  invalid_input: 400,
  not_found: 404,
  no_sale: 409,
  sale_in_progress: 409,
  not_refundable: 409,
  refund_too_large: 409,
  already_voided: 409,
  not_enrolled: 409,
  already_enrolled: 409,
  enrollment_failed: 502,
  busy: 503,
  timeout: 504,
  internal: 500,
};

export function statusForApiError(code: string): number {
  return Object.hasOwn(API_ERROR_STATUS, code) ? API_ERROR_STATUS[code as ApiError['code']] : 500;
}

export interface ApiRouteDeps {
  api: TerminalHandlers;
  isToken: (candidate: string) => boolean;
  logger: LoopbackLogger;
}

/**
 * `GET|POST /api/<method>`. GET is only for methods that do not mutate, and takes its input as
 * `?input=<JSON>` (absent: `{}`); POST takes a JSON body (empty: `{}`) and must say
 * `Content-Type: application/json`, which no cross-site form or no-preflight fetch can send.
 */
export async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  query: string,
  deps: ApiRouteDeps,
): Promise<void> {
  const known = isTerminalMethod(name) ? name : null;
  const allow = known !== null && mutates(known) ? 'POST' : 'GET, POST';
  // Before the token check: a CORS preflight carries no token, and must fail all the same.
  if (req.method !== 'GET' && req.method !== 'POST') {
    return sendRefusal(res, { status: 405, code: 'method_not_allowed', message: `use ${allow}` }, { Allow: allow });
  }
  if (!hasBearerToken(req, deps.isToken)) {
    return sendRefusal(res, { status: 401, code: 'unauthorized', message: 'a valid bearer token is required' }, { 'WWW-Authenticate': 'Bearer' });
  }
  if (known === null) {
    return sendRefusal(res, { status: 404, code: 'unknown_method', message: 'no such API method' });
  }
  if (req.method === 'GET' && mutates(known)) {
    return sendRefusal(res, { status: 405, code: 'method_not_allowed', message: `${known} changes state: use POST` }, { Allow: 'POST' });
  }

  const raw = req.method === 'GET' ? inputFromQuery(query) : await inputFromBody(req);
  if (raw.kind === 'aborted') return;
  if (raw.kind === 'refused') {
    return sendRefusal(res, raw.refusal, raw.refusal.status === 413 ? { Connection: 'close' } : {});
  }

  let body: string;
  let status: number;
  try {
    // Parses the input with the method's schema (a 400 `invalid_input` naming the field) and
    // checks the handler answered an ApiResult (thrown otherwise: a 500 below).
    const result = await dispatch(deps.api, known, raw.value);
    status = result.ok ? 200 : statusForApiError(result.error.code);
    body = JSON.stringify(result);
  } catch (error) {
    deps.logger.error({ err: error, method: known }, 'API handler failed');
    return sendJson(res, 500, refusalBody('internal', 'internal error'));
  }
  // Busy is the one refusal worth retrying as-is.
  sendJson(res, status, body, status === 503 ? { 'Retry-After': '1' } : {});
}

type RawInput = { kind: 'ok'; value: unknown } | { kind: 'refused'; refusal: Refusal } | { kind: 'aborted' };

const invalidInput = (message: string): RawInput => ({
  kind: 'refused',
  refusal: { status: 400, code: 'invalid_input', message },
});

function inputFromQuery(query: string): RawInput {
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (key !== 'input') return invalidInput('the only query parameter is `input` (JSON)');
  }
  const input = params.getAll('input');
  if (input.length > 1) return invalidInput('`input` given more than once');
  return input[0] === undefined ? { kind: 'ok', value: {} } : parseJson(input[0]);
}

function parseJson(text: string): RawInput {
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return invalidInput('the input is not valid JSON');
  }
}

const JSON_CONTENT_TYPE = /^application\/json *(; *charset="?utf-8"?)? *$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

async function inputFromBody(req: IncomingMessage): Promise<RawInput> {
  if (!JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) {
    return { kind: 'refused', refusal: { status: 415, code: 'unsupported_media_type', message: 'send Content-Type: application/json' } };
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'aborted') return { kind: 'aborted' };
  if (body === 'too_large') {
    return { kind: 'refused', refusal: { status: 413, code: 'payload_too_large', message: `the body exceeds ${MAX_BODY_BYTES} bytes` } };
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return invalidInput('the body is not UTF-8');
  }
  return text.trim() === '' ? { kind: 'ok', value: {} } : parseJson(text);
}

/**
 * Reads at most `limit` bytes. Past the limit it stops keeping data and lets the rest drain,
 * so the 413 reaches the client instead of a connection reset.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve('too_large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'too_large' | 'aborted'): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        finish('too_large');
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    const onClose = (): void => finish('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  });
}
