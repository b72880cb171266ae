/** Binding, listing, removing a customer's phone, and renewing its certificate (PROTOCOL.md §8). */
import { customerApi } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { bindDeviceWithSession, listDevices, removeDevice } from '../domain/accounts/deviceBinding.js';
import { renewCertificate } from '../domain/certificates.js';
import { clientOf } from '../http/client.js';
import { authenticateDevice, isDeviceSigned } from '../http/customerAuth.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, noContent, type AnyRoute, type Customer } from '../http/route.js';

function customerOf(customer: Customer | null): Customer {
  if (customer === null) throw new Error('customer route without a customer');
  return customer;
}

export function deviceRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['wallet'];
  return [
    defineRoute({
      method: customerApi.bindDevice.method,
      url: customerApi.bindDevice.path,
      operationId: 'bindDevice',
      summary:
        'Bind this phone: a session verified by SMS within 10 minutes and proof = Ed25519(device key, "tegata/bind/v1" ‖ session token). ' +
        "The account's first phone needs nothing more. A replacement is signed by the bound phone (Tegata-Device: active at once, the old one revoked) " +
        'or carries an e-mail code (pending for the hold: no offline limits, declined online, the old phone kept until the hold ends). ' +
        'One bind per session; binds per account per day are limited; notifies by SMS and e-mail',
      tags,
      auth: 'session_full',
      body: customerApi.bindDevice.body,
      responses: {
        201: {
          description: 'Bound (active, or pending until pendingUntil)',
          schema: customerApi.bindDevice.responses[201],
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
      method: customerApi.listDevices.method,
      url: customerApi.listDevices.path,
      operationId: 'listDevices',
      summary: "The account's phones, newest first",
      tags,
      auth: 'session',
      responses: {
        200: {
          description: 'Devices',
          schema: customerApi.listDevices.responses[200],
        },
      },
      handler: async ({ customer }) => json(200, { devices: await listDevices(ctx, customerOf(customer).accountId) }),
    }),
    defineRoute({
      method: customerApi.removeDevice.method,
      url: customerApi.removeDevice.path,
      operationId: 'removeDevice',
      summary: 'Remove a phone (lost or stolen): revoked in the next trust bundle. The established phone needs a session opened with the e-mail code (or by the phone)',
      tags,
      auth: 'session',
      params: customerApi.removeDevice.params,
      responses: { 204: { description: 'Revoked' } },
      problems: ['device_not_found', 'removal_needs_email_or_phone'],
      handler: async ({ params, customer, request }) => {
        const { accountId, session } = customerOf(customer);
        await removeDevice(ctx, accountId, params.deviceId, clientOf(request), session?.second_factor ?? null);
        return noContent();
      },
    }),
    defineRoute({
      method: customerApi.renewCertificate.method,
      url: customerApi.renewCertificate.path,
      operationId: 'renewCertificate',
      summary: 'Renew the certificate (device-signed by that device), only in the last quarter of the current one',
      tags,
      auth: 'device',
      params: customerApi.renewCertificate.params,
      responses: { 200: { description: 'A new certificate', schema: customerApi.renewCertificate.responses[200] } },
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
