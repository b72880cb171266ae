/**
 * Dev mode only (404 otherwise). The outbox (`GET /v1/dev/outbox?to=`) lets the wallet
 * simulator, demos and tests read one-time codes. The admin-token stand-ins create an account
 * and bind a phone without sign-up and 2-step verification, for tests that are about payments
 * rather than accounts.
 */
import { devApi } from '@tegata/protocol';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { createAccount, walletOfAccount } from '../domain/accounts.js';
import { normaliseEmail, normalisePhone } from '../domain/accounts/contacts.js';
import { FakeSimSwapProvider } from '../domain/accounts/simSwapProvider.js';
import { bindDevice } from '../domain/devices.js';
import { outboxFor } from '../domain/notifications/outbox.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, noContent, type AnyRoute } from '../http/route.js';

const tags = ['dev'];

export function devRoutes(ctx: AppContext): AnyRoute[] {
  if (!ctx.config.dev) return [];
  return [
    defineRoute({
      method: devApi.outbox.method,
      url: devApi.outbox.path,
      operationId: 'devOutbox',
      summary: 'Dev mode only: messages sent to a phone number or e-mail address, newest first',
      tags,
      auth: 'none',
      query: devApi.outbox.query,
      responses: {
        200: {
          description: 'Messages',
          schema: devApi.outbox.responses[200],
        },
      },
      handler: async ({ query }) => {
        const to = query.to.includes('@') ? normaliseEmail(query.to) : normalisePhone(query.to);
        return json(200, { messages: to === undefined ? [] : await outboxFor(ctx, to) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/dev/accounts',
      operationId: 'devCreateAccount',
      summary: 'Dev mode only: an account with an empty wallet, without verification',
      tags,
      auth: 'admin',
      responses: { 201: { description: 'Created', schema: z.object({ accountId: z.string(), walletId: z.string() }) } },
      handler: async () => json(201, await createAccount(ctx)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/dev/accounts/:id/devices',
      operationId: 'devBindDevice',
      summary: 'Dev mode only: bind a phone key to the account and issue its certificate',
      tags,
      auth: 'admin',
      params: z.object({ id: z.string().min(1) }),
      body: z.object({ publicKey: z.string(), name: z.string().min(1).max(100).default('phone') }),
      responses: {
        201: {
          description: 'Bound',
          schema: z.object({
            deviceId: z.string(),
            certificate: z.string(),
            notBefore: z.number().int(),
            notAfter: z.number().int(),
            perPaymentLimit: z.number().int(),
            cumulativeLimit: z.number().int(),
          }),
        },
      },
      handler: async ({ params, body }) => {
        const { replaced: _replaced, ...bound } = await bindDevice(ctx, { accountId: params.id, publicKey: body.publicKey, name: body.name });
        return json(201, bound);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/dev/sim-swaps',
      operationId: 'devSimSwap',
      summary: "Dev mode only: flip the fake SIM-swap gateway — a number's SIM changed at `at` (default now), `clear` it, or make the gateway hang or fail",
      tags,
      auth: 'admin',
      body: z.object({
        phone: z.string().min(1).max(64).optional(),
        at: z.number().int().optional(),
        clear: z.boolean().optional(),
        mode: z.enum(['answer', 'hang', 'fail']).optional(),
      }),
      responses: { 204: { description: 'Done' } },
      problems: ['no_fake_sim_swap'],
      handler: ({ body }) => {
        const fake = ctx.simSwap;
        if (!(fake instanceof FakeSimSwapProvider)) throw ProblemError.of(409, 'no_fake_sim_swap', 'The SIM-swap provider is not the fake');
        const phone = body.phone === undefined ? undefined : normalisePhone(body.phone);
        if (body.mode !== undefined) fake.setMode(body.mode);
        if (body.clear === true) fake.clear(phone);
        else if (phone !== undefined) fake.swap(phone, body.at);
        return Promise.resolve(noContent());
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/dev/accounts/:id/wallet',
      operationId: 'devWallet',
      summary: 'Dev mode only: the wallet balance',
      tags,
      auth: 'admin',
      params: z.object({ id: z.string().min(1) }),
      responses: {
        200: { description: 'Wallet', schema: z.object({ walletId: z.string(), balance: z.number().int(), currency: z.number().int() }) },
      },
      handler: async ({ params }) => {
        const wallet = await walletOfAccount(ctx, params.id);
        if (wallet === undefined) throw ProblemError.of(404, 'account_not_found', 'No such account');
        return json(200, { walletId: wallet.id, balance: wallet.balance, currency: wallet.currency });
      },
    }),
  ];
}
