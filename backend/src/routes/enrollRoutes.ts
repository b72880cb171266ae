/** POST /v1/terminals/enroll (PROTOCOL.md §8): a code from an admin turns a key into a terminal. */
import { fromBase64url, toBase64url } from '@tegata/protocol';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { enrollTerminal } from '../domain/enrollment.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, type AnyRoute } from '../http/route.js';

export const signedTrustBundleSchema = z.object({
  format: z.string(),
  delegation: z.object({ payload: z.string(), signature: z.string() }),
  payload: z.string(),
  signature: z.string(),
});

export function enrollRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/terminals/enroll',
      operationId: 'enrollTerminal',
      summary: 'Enroll a terminal with a single-use code; returns the root key to pin and the trust bundle',
      tags: ['terminal'],
      auth: 'none',
      body: z.object({
        code: z.string().min(1).max(64),
        publicKey: z.string().refine((text) => fromBase64url(text)?.length === 32, 'must be base64url of 32 bytes'),
        name: z.string().trim().min(1).max(100),
      }),
      responses: {
        201: {
          description: 'Enrolled',
          schema: z.object({
            terminalId: z.string(),
            storeId: z.string(),
            rootPublicKey: z.string(),
            trust: signedTrustBundleSchema,
          }),
        },
      },
      problems: ['invalid_enrollment_code', 'unacceptable_public_key', 'public_key_in_use', 'too_many_attempts'],
      handler: async ({ body, request }) => {
        const trust = await ctx.trust.current();
        if (trust === undefined) throw ProblemError.of(503, 'not_ready', 'No trust bundle has been signed yet');
        const enrolled = await enrollTerminal(ctx, { ...body, clientAddress: request.ip });
        return json(201, { ...enrolled, rootPublicKey: toBase64url(ctx.trust.rootPublicKey), trust: trust.signed });
      },
    }),
  ];
}
