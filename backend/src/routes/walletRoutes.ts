/** The wallet, top-ups with 3-D Secure, and password reset (PROTOCOL.md §8 wallet routes). */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { confirmReset, requestReset } from '../domain/accounts/passwordReset.js';
import { completeTopupChallenge, startTopup } from '../domain/wallet/topups.js';
import { walletView } from '../domain/wallet/walletView.js';
import { clientOf } from '../http/client.js';
import { authenticateDevice, isDeviceSigned } from '../http/customerAuth.js';
import { defineRoute, json, noContent, type AnyRoute, type Customer, type HandlerResult } from '../http/route.js';
import type { TopupOutcome } from '../domain/wallet/topups.js';

const code = z.string().max(16);

function accountOf(customer: Customer | null): string {
  if (customer === null) throw new Error('customer route without a customer');
  return customer.accountId;
}

const topupReply = z.union([
  z.object({ status: z.literal('succeeded'), topupId: z.string(), amount: z.number().int(), balance: z.number().int() }),
  z.object({
    status: z.literal('challenge_required'),
    topupId: z.string(),
    challenge: z.object({ url: z.string().optional(), prompt: z.string() }),
  }),
]);

function topupResult(outcome: TopupOutcome): HandlerResult {
  return json(outcome.status === 'succeeded' ? 201 : 202, outcome);
}

export function walletRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['wallet'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/wallet',
      operationId: 'wallet',
      summary: 'Balance and the newest movements (a session of either scope, or device-signed)',
      tags,
      auth: 'session_or_device',
      responses: {
        200: {
          description: 'The wallet',
          schema: z.object({
            balance: z.number().int(),
            currency: z.number().int(),
            transactions: z.array(z.object({ id: z.string(), kind: z.string(), amount: z.number().int(), createdAt: z.number().int() })),
          }),
        },
      },
      handler: async ({ customer }) => json(200, await walletView(ctx, accountOf(customer))),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/wallet/topups',
      operationId: 'topUp',
      summary: 'Top up by card: 201 when credited, 202 with a 3-D Secure challenge to answer',
      tags,
      auth: 'session_full',
      body: z.object({ amount: z.number().int().min(1).max(0xffffffff), cardToken: z.string().min(1).max(200) }),
      responses: { 201: { description: 'Credited', schema: topupReply }, 202: { description: '3-D Secure challenge', schema: topupReply } },
      problems: ['topup_limit', 'card_declined', 'invalid_amount', 'card_gateway_unavailable', 'restricted_session'],
      handler: async ({ body, customer, request }) => topupResult(await startTopup(ctx, accountOf(customer), body, clientOf(request))),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/wallet/topups/:id/challenge',
      operationId: 'answerTopupChallenge',
      summary: 'Answer the 3-D Secure challenge of a top-up',
      tags,
      auth: 'session_full',
      params: z.object({ id: z.string().min(1).max(64) }),
      body: z.object({ response: z.string().max(200) }),
      responses: { 201: { description: 'Credited', schema: topupReply } },
      problems: ['card_declined', 'no_challenge', 'topup_not_found'],
      handler: async ({ params, body, customer }) => topupResult(await completeTopupChallenge(ctx, accountOf(customer), params.id, body.response)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/password-resets',
      operationId: 'requestPasswordReset',
      summary: 'One code by SMS and one by e-mail, to the phone and address on file. 202 always',
      tags,
      auth: 'none',
      body: z.strictObject({ login: z.string().max(320) }),
      responses: { 202: { description: 'Codes sent if the login names an account', schema: z.object({ status: z.literal('codes_sent') }) } },
      problems: ['invalid_request', 'too_many_attempts'],
      handler: async ({ body, request }) => {
        await requestReset(ctx, body, clientOf(request));
        return json(202, { status: 'codes_sent' });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/password-resets/confirm',
      operationId: 'confirmPasswordReset',
      summary: 'Both codes, or one of them in a request signed by the established phone (no cool-down then; pending phones are cancelled). Ends every session',
      tags,
      auth: 'none',
      body: z.strictObject({ login: z.string().max(320), smsCode: code.optional(), emailCode: code.optional(), newPassword: z.string().min(1).max(4096) }),
      responses: { 204: { description: 'Password changed' } },
      problems: ['invalid_code', 'weak_password', 'too_many_attempts'],
      handler: async ({ body, request }) => {
        const device = isDeviceSigned(request) ? await authenticateDevice(ctx, request) : null;
        await confirmReset(ctx, body, clientOf(request), device);
        return noContent();
      },
    }),
  ];
}
