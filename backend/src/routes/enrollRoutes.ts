/** POST /v1/terminals/enroll (PROTOCOL.md §8): a code from an admin turns a key into a terminal. */
import { terminalApi, toBase64url } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { enrollTerminal } from '../domain/enrollment.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, type AnyRoute } from '../http/route.js';

const { enroll } = terminalApi;

export function enrollRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: enroll.method,
      url: enroll.path,
      operationId: 'enrollTerminal',
      summary: 'Enroll a terminal with a single-use code; returns the root key to pin and the trust bundle',
      tags: ['terminal'],
      auth: 'none',
      body: enroll.body,
      responses: {
        201: {
          description: 'Enrolled',
          schema: enroll.responses[201],
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
