/** Binding, listing, removing a customer's phone, and renewing its certificate (PROTOCOL.md §8). */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { bindDeviceWithSession, listDevices, removeDevice } from '../domain/accounts/deviceBinding.js';
import { renewCertificate } from '../domain/devices.js';
import { clientOf } from '../http/client.js';
import { authenticateDevice, isDeviceSigned } from '../http/customerAuth.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, noContent, type AnyRoute, type Customer } from '../http/route.js';

const deviceId = z.string().regex(/^[0-9a-f]{16}$/, 'a device id is 16 lowercase hex characters');
const certificate = z.object({
  certificate: z.string().describe('base64url of the 128-byte certificate'),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  perPaymentLimit: z.number().int(),
  cumulativeLimit: z.number().int(),
});

function customerOf(customer: Customer | null): Customer {
  if (customer === null) throw new Error('customer route without a customer');
  return customer;
}

export function deviceRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['wallet'];
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/devices',
      operationId: 'bindDevice',
      summary:
        'Bind this phone: a session verified by SMS within 10 minutes and proof = Ed25519(device key, "tegata/bind/v1" ‖ session token). ' +
        "The account's first phone needs nothing more. A replacement is signed by the bound phone (Tegata-Device: active at once, the old one revoked) " +
        'or carries an e-mail code (pending for the hold: no offline limits, declined online, the old phone kept until the hold ends). ' +
        'One bind per session; binds per account per day are limited; notifies by SMS and e-mail',
      tags,
      auth: 'session_full',
      body: z.object({
        publicKey: z.string().max(64),
        name: z.string().trim().min(1).max(100),
        proof: z.string().max(128),
        emailCode: z.string().max(16).optional(),
      }),
      responses: {
        201: {
          description: 'Bound (active, or pending until pendingUntil)',
          schema: certificate.extend({ deviceId: z.string(), status: z.enum(['active', 'pending']), pendingUntil: z.number().int().nullable() }),
        },
      },
      problems: [
        'sms_verification_required',
        'unacceptable_public_key',
        'bad_proof',
        'public_key_in_use',
        'bind_needs_phone_or_email',
        'unsafe_name',
        'account_frozen',
        'sim_swapped',
        'sim_check_unavailable',
        'phone_too_new_to_confirm',
        'device_pending',
        'session_already_bound',
        'too_many_binds',
        'invalid_code',
      ],
      handler: async ({ body, customer, request }) => {
        const { session, sessionToken } = customerOf(customer);
        if (session === null || sessionToken === null) throw new Error('bind without a session');
        const signer = isDeviceSigned(request) ? await authenticateDevice(ctx, request) : null;
        const bound = await bindDeviceWithSession(ctx, session, sessionToken, body, clientOf(request), signer);
        return json(201, {
          deviceId: bound.deviceId,
          status: bound.status,
          pendingUntil: bound.pendingUntil,
          certificate: bound.certificate,
          notBefore: bound.notBefore,
          notAfter: bound.notAfter,
          perPaymentLimit: bound.perPaymentLimit,
          cumulativeLimit: bound.cumulativeLimit,
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/devices',
      operationId: 'listDevices',
      summary: "The account's phones, newest first",
      tags,
      auth: 'session',
      responses: {
        200: {
          description: 'Devices',
          schema: z.object({
            devices: z.array(
              z.object({
                deviceId: z.string(),
                name: z.string(),
                status: z.enum(['active', 'pending', 'revoked']),
                pendingUntil: z.number().int().nullable(),
                boundAt: z.number().int(),
                revokedAt: z.number().int().nullable(),
                certificateNotAfter: z.number().int().nullable(),
              }),
            ),
          }),
        },
      },
      handler: async ({ customer }) => json(200, { devices: await listDevices(ctx, customerOf(customer).accountId) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/devices/:deviceId',
      operationId: 'removeDevice',
      summary: 'Remove a phone (lost or stolen): revoked in the next trust bundle. The established phone needs a session opened with the e-mail code (or by the phone)',
      tags,
      auth: 'session',
      params: z.object({ deviceId }),
      responses: { 204: { description: 'Revoked' } },
      problems: ['device_not_found', 'removal_needs_email_or_phone'],
      handler: async ({ params, customer, request }) => {
        const { accountId, session } = customerOf(customer);
        await removeDevice(ctx, accountId, params.deviceId, clientOf(request), session?.second_factor ?? null);
        return noContent();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/devices/:deviceId/certificate',
      operationId: 'renewCertificate',
      summary: 'Renew the certificate (device-signed by that device), only in the last quarter of the current one',
      tags,
      auth: 'device',
      params: z.object({ deviceId }),
      responses: { 200: { description: 'A new certificate', schema: certificate } },
      problems: ['renewal_too_early', 'device_revoked', 'too_many_certificates'],
      handler: async ({ params, customer, request }) => {
        const device = customerOf(customer).device;
        if (device?.id !== params.deviceId) throw ProblemError.of(403, 'wrong_device', 'A device renews only its own certificate');
        const issued = await renewCertificate(ctx, device.id, clientOf(request));
        const { deviceId: _id, ...rest } = issued;
        return json(200, rest);
      },
    }),
  ];
}
