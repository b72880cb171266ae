/**
 * Terminal-signed requests (PROTOCOL.md §6): headers, the 300 s window (the problem body
 * carries the server time so the terminal can correct its offset), the key, the signature, and
 * revocation — in the order verifySignedRequest checks them.
 */
import type { FastifyRequest } from 'fastify';
import './requestContext.js';
import {
  readSignedRequestHeaders,
  REQUEST_TIME_WINDOW_MS,
  fromBase64url,
  verifySignedRequest,
  type Ed25519,
} from '@tegata/protocol';
import type { Terminal } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';
import { ProblemError } from './problemError.js';
import { signedRequestProblem } from './signedRequestProblem.js';

export interface TerminalAuthDeps {
  ed25519: Ed25519;
  clock: Clock;
  findTerminal(id: string): Promise<Terminal | undefined>;
}

const EMPTY = new Uint8Array(0);

export async function authenticateTerminal(
  request: FastifyRequest,
  deps: TerminalAuthDeps,
  allowRevoked: boolean,
): Promise<Terminal> {
  const headers = readSignedRequestHeaders('terminal', request.headers);
  const nowMs = deps.clock.nowMs();
  // Only a request inside the window costs a database read (and learns whether its id exists).
  const inWindow = headers.ok && Math.abs(nowMs - headers.timestampMs) <= REQUEST_TIME_WINDOW_MS;
  const terminal = headers.ok && inWindow ? await deps.findTerminal(headers.principalId) : undefined;
  const publicKey = terminal === undefined ? null : fromBase64url(terminal.public_key);

  const result = verifySignedRequest(deps.ed25519, {
    kind: 'terminal',
    method: request.method,
    target: request.raw.url ?? request.url,
    headers: request.headers,
    body: request.rawBody ?? EMPTY,
    nowMs,
    lookupKey: () =>
      terminal === undefined || publicKey === null ? undefined : { publicKey, revoked: terminal.status === 'revoked' },
  });

  if (result.ok) {
    if (terminal === undefined) throw new Error('verified a terminal request without a terminal');
    return terminal;
  }
  const common = signedRequestProblem(result);
  if (common !== null) throw common;
  if (result.code === 'unknown_principal') throw ProblemError.of(401, 'unknown_terminal', 'Unknown terminal');
  if (allowRevoked && terminal !== undefined) return terminal;
  throw ProblemError.of(403, 'terminal_revoked', 'This terminal has been revoked');
}
