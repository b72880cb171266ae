/**
 * Terminal-signed requests (PROTOCOL.md §6): headers, the 300 s window (the problem body
 * carries the server time so the terminal can correct its offset), the key, the signature, and
 * revocation — in the order verifySignedRequest checks them.
 */
import type { FastifyRequest } from 'fastify';
import type { Ed25519 } from '@tegata/protocol';
import type { Terminal } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';
import { ProblemError } from './problemError.js';
import { checkSignedRequest } from './signedRequest.js';

export interface TerminalAuthDeps {
  ed25519: Ed25519;
  clock: Clock;
  findTerminal(id: string): Promise<Terminal | undefined>;
}

export async function authenticateTerminal(
  request: FastifyRequest,
  deps: TerminalAuthDeps,
  allowRevoked: boolean,
): Promise<Terminal> {
  const checked = await checkSignedRequest(request, 'terminal', {
    ed25519: deps.ed25519,
    nowMs: deps.clock.nowMs(),
    find: (id) => deps.findTerminal(id),
    revoked: (terminal) => terminal.status === 'revoked',
  });
  if (checked.ok) return checked.principal;
  if (checked.code === 'unknown_principal') throw ProblemError.of(401, 'unknown_terminal', 'Unknown terminal');
  if (allowRevoked && checked.principal !== undefined) return checked.principal;
  throw ProblemError.of(403, 'terminal_revoked', 'This terminal has been revoked');
}
