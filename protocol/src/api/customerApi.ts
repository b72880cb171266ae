/**
 * The wallet's routes (PROTOCOL.md §8 "Wallet (customer phone)"): sign-up, login and sessions,
 * binding and renewing a phone, the wallet and top-ups, password changes and resets.
 */
import { z } from 'zod';
import { apiRoute } from './route.js';

const code = z.string().max(16);
const password = z.string().min(1).max(4096);
const channel = z.enum(['sms', 'email']);
const deviceId = z.string().regex(/^[0-9a-f]{16}$/, 'a device id is 16 lowercase hex characters');

export const sessionReplySchema = z.object({ sessionToken: z.string(), expiresAt: z.number().int(), scope: z.enum(['full', 'restricted']) });
export const loginChallengeSchema = z.object({ challengeId: z.string(), channel });
export const loginReplySchema = z.union([loginChallengeSchema, sessionReplySchema]);

export const certificateReplySchema = z.object({
  certificate: z.string().describe('base64url of the 128-byte certificate'),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  perPaymentLimit: z.number().int(),
  cumulativeLimit: z.number().int(),
});
export const bindReplySchema = certificateReplySchema.extend({
  deviceId: z.string(),
  status: z.enum(['active', 'pending']),
  pendingUntil: z.number().int().nullable(),
});

export const walletReplySchema = z.object({
  balance: z.number().int(),
  currency: z.number().int(),
  transactions: z.array(z.object({ id: z.string(), kind: z.string(), amount: z.number().int(), createdAt: z.number().int() })),
});

export const topupSucceededSchema = z.object({ status: z.literal('succeeded'), topupId: z.string(), amount: z.number().int(), balance: z.number().int() });
export const topupReplySchema = z.union([
  topupSucceededSchema,
  z.object({
    status: z.literal('challenge_required'),
    topupId: z.string(),
    challenge: z.object({ url: z.string().optional(), prompt: z.string() }),
  }),
]);

const codesSent = z.object({ status: z.literal('codes_sent') });

export const customerApi = {
  signUp: apiRoute({
    method: 'POST',
    path: '/v1/accounts',
    body: z.object({ phone: z.string().max(64), email: z.string().max(320), password }),
    responses: { 202: codesSent },
  }),
  verifySignUp: apiRoute({
    method: 'POST',
    path: '/v1/accounts/verify',
    body: z.object({ phone: z.string().max(64), smsCode: code, emailCode: code }),
    responses: { 201: z.object({ accountId: z.string() }) },
  }),
  logIn: apiRoute({
    method: 'POST',
    path: '/v1/sessions',
    body: z.object({ login: z.string().max(320), password, channel: channel.optional() }),
    responses: { 200: loginReplySchema },
  }),
  verifyLogin: apiRoute({ method: 'POST', path: '/v1/sessions/verify', body: z.object({ challengeId: z.string().max(64), code }), responses: { 200: sessionReplySchema } }),
  changePassword: apiRoute({
    method: 'POST',
    path: '/v1/account/password',
    body: z.object({ currentPassword: password, newPassword: password, emailCode: code.optional() }),
    responses: { 204: null },
  }),
  sendStepUpCode: apiRoute({
    method: 'POST',
    path: '/v1/account/email-code',
    body: z.object({ action: z.enum(['bind', 'password']) }),
    responses: { 202: z.object({ status: z.literal('code_sent') }) },
  }),
  thisWasntMe: apiRoute({ method: 'POST', path: '/v1/account/not-me', body: z.object({ code: z.string().max(16) }), responses: { 204: null } }),
  currentSession: apiRoute({
    method: 'GET',
    path: '/v1/sessions/current',
    responses: {
      200: z.object({
        accountId: z.string(),
        scope: z.enum(['full', 'restricted']),
        secondFactor: z.enum(['sms', 'email', 'device']),
        verifiedAt: z.number().int(),
        expiresAt: z.number().int(),
        idleExpiresAt: z.number().int(),
      }),
    },
  }),
  logOut: apiRoute({ method: 'DELETE', path: '/v1/sessions/current', responses: { 204: null } }),
  bindDevice: apiRoute({
    method: 'POST',
    path: '/v1/devices',
    body: z.object({
      publicKey: z.string().max(64),
      name: z.string().trim().min(1).max(100),
      proof: z.string().max(128),
      emailCode: z.string().max(16).optional(),
    }),
    responses: { 201: bindReplySchema },
  }),
  listDevices: apiRoute({
    method: 'GET',
    path: '/v1/devices',
    responses: {
      200: z.object({
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
  }),
  removeDevice: apiRoute({ method: 'DELETE', path: '/v1/devices/:deviceId', params: z.object({ deviceId }), responses: { 204: null } }),
  renewCertificate: apiRoute({
    method: 'POST',
    path: '/v1/devices/:deviceId/certificate',
    params: z.object({ deviceId }),
    responses: { 200: certificateReplySchema },
  }),
  wallet: apiRoute({ method: 'GET', path: '/v1/wallet', responses: { 200: walletReplySchema } }),
  topUp: apiRoute({
    method: 'POST',
    path: '/v1/wallet/topups',
    body: z.object({ amount: z.number().int().min(1).max(0xffffffff), cardToken: z.string().min(1).max(200) }),
    responses: { 201: topupReplySchema, 202: topupReplySchema },
  }),
  answerTopupChallenge: apiRoute({
    method: 'POST',
    path: '/v1/wallet/topups/:id/challenge',
    params: z.object({ id: z.string().min(1).max(64) }),
    body: z.object({ response: z.string().max(200) }),
    responses: { 201: topupReplySchema },
  }),
  requestPasswordReset: apiRoute({
    method: 'POST',
    path: '/v1/password-resets',
    body: z.strictObject({ login: z.string().max(320) }),
    responses: { 202: codesSent },
  }),
  confirmPasswordReset: apiRoute({
    method: 'POST',
    path: '/v1/password-resets/confirm',
    body: z.strictObject({ login: z.string().max(320), smsCode: code.optional(), emailCode: code.optional(), newPassword: z.string().min(1).max(4096) }),
    responses: { 204: null },
  }),
};

export const outboxReplySchema = z.object({
  messages: z.array(z.object({ channel, to: z.string(), text: z.string(), createdAt: z.number().int() })),
});

/**
 * PROTOCOL.md §8 "Development only" routes that a client of this repository calls: the wallet
 * simulator reads one-time codes from the outbox. (The other dev routes are test stand-ins,
 * backend-local.)
 */
export const devApi = {
  outbox: apiRoute({ method: 'GET', path: '/v1/dev/outbox', query: z.object({ to: z.string().min(1).max(320) }), responses: { 200: outboxReplySchema } }),
};
