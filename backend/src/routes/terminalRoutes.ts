/** Terminal routes (signed requests, PROTOCOL.md §6 and §8). */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { authorizePayment } from '../domain/authorize.js';
import { ingestJournal } from '../domain/journal.js';
import { OUTCOMES } from '../domain/settlement.js';
import { noteTrustHeld } from '../domain/terminals.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, noContent, type AnyRoute } from '../http/route.js';
import { signedTrustBundleSchema } from './enrollRoutes.js';

const tags = ['terminal'];
const head = z.object({ seq: z.number().int(), hash: z.string() });
const cursor = z.string().regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a cursor this API returned');
const OUTCOME_PAGE = 500;
const SIGNED_PROBLEMS = ['missing_signature', 'malformed_signature_headers', 'timestamp_out_of_window', 'unknown_terminal', 'bad_signature', 'terminal_revoked'];

export function terminalRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/terminal/trust',
      operationId: 'terminalTrust',
      summary: 'The current trust bundle, or 204 when the terminal already holds it',
      tags,
      auth: 'terminal',
      query: z.object({
        serial: z
          .string()
          .regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
          .transform(Number)
          .optional(),
      }),
      responses: {
        200: { description: 'A newer bundle', schema: signedTrustBundleSchema },
        204: { description: 'The terminal holds the current bundle' },
      },
      problems: SIGNED_PROBLEMS,
      handler: async ({ query, terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        const current = await ctx.trust.current();
        if (current === undefined) throw ProblemError.of(503, 'not_ready', 'No trust bundle has been signed yet');
        const now = ctx.clock.nowMs();
        if (query.serial !== undefined && query.serial <= current.serial) await noteTrustHeld(ctx, terminal.id, query.serial, now);
        if (query.serial === current.serial) return noContent();
        await noteTrustHeld(ctx, terminal.id, current.serial, now);
        return json(200, current.signed);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/terminal/journal',
      operationId: 'uploadJournal',
      summary: 'Upload journal records in chain order (≤ 500 per request, one transaction)',
      tags,
      auth: 'terminal_even_revoked',
      body: z.object({ records: z.array(z.unknown()).describe('journal records, PROTOCOL.md §7') }),
      responses: {
        200: {
          description: 'Per-record results up to the first record that does not fit, and the head',
          schema: z.object({
            results: z.array(
              z.object({
                id: z.string(),
                status: z.enum(['accepted', 'duplicate', 'rejected']),
                code: z.string().optional(),
                detail: z.string().optional(),
              }),
            ),
            head,
          }),
        },
      },
      problems: [...SIGNED_PROBLEMS, 'batch_too_large'],
      handler: async ({ body, terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        return json(200, await ingestJournal(ctx, terminal.id, body.records));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/terminal/head',
      operationId: 'journalHead',
      summary: "Where the backend's copy of this terminal's chain ends",
      tags,
      auth: 'terminal',
      responses: { 200: { description: 'The head (seq 0 and 64 zeros before the first record)', schema: head } },
      problems: SIGNED_PROBLEMS,
      handler: async ({ terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        const row = await ctx.db.kysely
          .selectFrom('terminals')
          .select(['head_seq', 'head_hash'])
          .where('id', '=', terminal.id)
          .executeTakeFirstOrThrow();
        return json(200, { seq: row.head_seq, hash: row.head_hash });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/terminal/outcomes',
      operationId: 'outcomes',
      summary: 'Settlement outcomes of this terminal’s records, after a cursor',
      tags,
      auth: 'terminal',
      query: z.object({ after: cursor.optional() }),
      responses: {
        200: {
          description: `Up to ${OUTCOME_PAGE} outcomes in settlement order; pass the cursor back as \`after\``,
          schema: z.object({
            outcomes: z.array(z.object({ id: z.string(), outcome: z.enum(OUTCOMES), at: z.number().int() })),
            cursor,
          }),
        },
      },
      problems: SIGNED_PROBLEMS,
      handler: async ({ query, terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        const after = Number(query.after ?? '0');
        const rows = await ctx.db.kysely
          .selectFrom('outcomes')
          .select(['seq', 'record_id', 'outcome', 'at'])
          .where('terminal_id', '=', terminal.id)
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(OUTCOME_PAGE)
          .execute();
        return json(200, {
          outcomes: rows.map((row) => ({ id: row.record_id, outcome: row.outcome, at: row.at })),
          cursor: String(rows.at(-1)?.seq ?? after),
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/terminal/authorize',
      operationId: 'authorize',
      summary: 'Online-first decision: stage B plus balance, counters and the newest revocations; reserves the funds',
      tags,
      auth: 'terminal',
      body: z.object({
        saleId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 visible ASCII characters'),
        token: z.string().min(1).max(4096),
        amount: z.number().int().min(1).max(0xffffffff),
        currency: z.number().int().min(0).max(65_535),
      }),
      responses: {
        200: {
          description: 'The decision; the authorization id goes into the journal record',
          schema: z.object({
            authorization: z.string(),
            decision: z.enum(['approved', 'declined']),
            reason: z.string().optional().describe('a §4 reason code, replayed, insufficient_funds or unknown_device'),
          }),
        },
      },
      problems: [...SIGNED_PROBLEMS, 'sale_id_reused'],
      handler: async ({ body, terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        return json(200, await authorizePayment(ctx, terminal, body));
      },
    }),
  ];
}
