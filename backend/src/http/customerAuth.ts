/**
 * Customer authentication: session bearer tokens, and device-signed requests (PROTOCOL.md §6,
 * `Tegata-Device`), checked in the order verifySignedRequest gives. An unknown device id is
 * answered like a bad signature, so a device id (which every merchant sees) reveals nothing;
 * revocation is told only to a caller that proved it holds the key.
 */
import type { FastifyRequest } from 'fastify';
import './requestContext.js';
import { SIGNED_REQUEST_HEADERS } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import type { Device } from '../db/schema.js';
import { sessionOfToken } from '../domain/accounts/sessions.js';
import { findDevice, promoteDuePhones } from '../domain/devices.js';
import { ProblemError } from './problemError.js';
import { checkSignedRequest } from './signedRequest.js';
import type { Customer } from './route.js';
import type { CustomerAuth } from './server.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

/** True when the request carries the device header (it then must verify). */
export function isDeviceSigned(request: FastifyRequest): boolean {
  return request.headers[SIGNED_REQUEST_HEADERS.device.toLowerCase()] !== undefined;
}

export async function authenticateDevice(ctx: AppContext, request: FastifyRequest): Promise<Device> {
  const nowMs = ctx.clock.nowMs();
  const checked = await checkSignedRequest(request, 'device', {
    ed25519: ctx.ed,
    nowMs,
    find: async (id) => {
      const device = await findDevice(ctx, id);
      // A pending phone whose hold has just ended is the active one from now on.
      if (device?.status === 'pending' && (device.pending_until ?? Infinity) <= nowMs && (await promoteDuePhones(ctx, device.account_id))) {
        return findDevice(ctx, id);
      }
      return device;
    },
    revoked: (device) => device.status === 'revoked',
  });
  if (checked.ok) {
    const device = checked.principal;
    // A pending phone confirms nothing (issue 17): not a login, a reset, a password change, a binding.
    if (device.status === 'pending') {
      throw ProblemError.of(403, 'device_pending', 'This phone is waiting for its hold to end', {
        detail: 'a phone bound without the established phone waits before it can pay or confirm anything',
        ...(device.pending_until === null ? {} : { extensions: { pendingUntil: device.pending_until } }),
      });
    }
    return device;
  }
  if (checked.code === 'revoked_principal') throw ProblemError.of(403, 'device_revoked', 'This device has been revoked');
  // An unknown device gets the answer of a bad signature: device ids are not secrets, but
  // whether one is bound here is nobody else's business.
  throw ProblemError.of(401, 'bad_signature', 'The request signature does not verify');
}

function unauthorized(): ProblemError {
  return ProblemError.of(401, 'unauthorized', 'Log in again', { detail: 'the session is missing, expired, idle for too long or ended' });
}

export function customerAuthenticator(ctx: AppContext): (request: FastifyRequest, auth: CustomerAuth) => Promise<Customer> {
  return async (request, auth) => {
    if (auth === 'device' || (auth === 'session_or_device' && isDeviceSigned(request))) {
      const device = await authenticateDevice(ctx, request);
      return { accountId: device.account_id, session: null, sessionToken: null, device };
    }
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const session = token === undefined ? undefined : await sessionOfToken(ctx, token);
    if (session === undefined || token === undefined) throw unauthorized();
    if (auth === 'session_full' && session.scope !== 'full') {
      throw ProblemError.of(403, 'restricted_session', 'This session may only view the wallet and remove devices', {
        detail: 'log in with the SMS code for everything else',
      });
    }
    return { accountId: session.account_id, session, sessionToken: token, device: null };
  };
}
