/** The wallet, top-ups with 3-D Secure, and password reset (PROTOCOL.md §8 wallet routes). */
import { customerApi } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { confirmReset, requestReset } from '../domain/accounts/passwordReset.js';
import { completeTopupChallenge, startTopup } from '../domain/wallet/topups.js';
import { walletView } from '../domain/wallet/walletView.js';
import { clientOf } from '../http/client.js';
import { authenticateDevice, isDeviceSigned } from '../http/customerAuth.js';
import { defineRoute, json, noContent, type AnyRoute, type Customer, type HandlerResult } from '../http/route.js';
import type { TopupOutcome } from '../domain/wallet/topups.js';

function accountOf(customer: Customer | null): string {
  if (customer === null) throw new Error('customer route without a customer');
  return customer.accountId;
}

function topupResult(outcome: TopupOutcome): HandlerResult {
  return json(outcome.status === 'succeeded' ? 201 : 202, outcome);
}

export function walletRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['wallet'];
  return [
    defineRoute({
      method: customerApi.wallet.method,
      url: customerApi.wallet.path,
      operationId: 'wallet',
      summary: 'Balance and the newest movements (a session of either scope, or device-signed)',
      tags,
      auth: 'session_or_device',
      responses: {
        200: {
          description: 'The wallet',
          schema: customerApi.wallet.responses[200],
        },
      },
      handler: async ({ customer }) => json(200, await walletView(ctx, accountOf(customer))),
    }),
    defineRoute({
      method: customerApi.topUp.method,
      url: customerApi.topUp.path,
      operationId: 'topUp',
      summary: 'Top up by card: 201 when credited, 202 with a 3-D Secure challenge to answer',
      tags,
      auth: 'session_full',
      body: customerApi.topUp.body,
      responses: { 201: { description: 'Credited', schema: customerApi.topUp.responses[201] }, 202: { description: '3-D Secure challenge', schema: customerApi.topUp.responses[202] } },
      problems: ['topup_limit', 'card_declined', 'invalid_amount', 'card_gateway_unavailable', 'restricted_session'],
      handler: async ({ body, customer, request }) => topupResult(await startTopup(ctx, accountOf(customer), body, clientOf(request))),
    }),
    defineRoute({
      method: customerApi.answerTopupChallenge.method,
      url: customerApi.answerTopupChallenge.path,
      operationId: 'answerTopupChallenge',
      summary: 'Answer the 3-D Secure challenge of a top-up',
      tags,
      auth: 'session_full',
      params: customerApi.answerTopupChallenge.params,
      body: customerApi.answerTopupChallenge.body,
      responses: { 201: { description: 'Credited', schema: customerApi.answerTopupChallenge.responses[201] } },
      problems: ['card_declined', 'no_challenge', 'topup_not_found'],
      handler: async ({ params, body, customer }) => topupResult(await completeTopupChallenge(ctx, accountOf(customer), params.id, body.response)),
    }),
    defineRoute({
      method: customerApi.requestPasswordReset.method,
      url: customerApi.requestPasswordReset.path,
      operationId: 'requestPasswordReset',
      summary: 'One code by SMS and one by e-mail, to the phone and address on file. 202 always',
      tags,
      auth: 'none',
      body: customerApi.requestPasswordReset.body,
      responses: { 202: { description: 'Codes sent if the login names an account', schema: customerApi.requestPasswordReset.responses[202] } },
      problems: ['invalid_request', 'too_many_attempts'],
      handler: async ({ body, request }) => {
        await requestReset(ctx, body, clientOf(request));
        return json(202, { status: 'codes_sent' });
      },
    }),
    defineRoute({
      method: customerApi.confirmPasswordReset.method,
      url: customerApi.confirmPasswordReset.path,
      operationId: 'confirmPasswordReset',
      summary: 'Both codes, or one of them in a request signed by the established phone (no cool-down then; pending phones are cancelled). Ends every session',
      tags,
      auth: 'none',
      body: customerApi.confirmPasswordReset.body,
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
