/** Terminal routes (signed requests, PROTOCOL.md §6 and §8). */
import { terminalApi } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { authorizePayment } from '../domain/authorize.js';
import { ingestJournal } from '../domain/journal.js';
import { noteTrustHeld } from '../domain/terminals.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, noContent, type AnyRoute } from '../http/route.js';

const tags = ['terminal'];
const { trust, journal, head, outcomes, authorize } = terminalApi;
const OUTCOME_PAGE = 500;
const SIGNED_PROBLEMS = ['missing_signature', 'malformed_signature_headers', 'timestamp_out_of_window', 'unknown_terminal', 'bad_signature', 'terminal_revoked'];

export function terminalRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: trust.method,
      url: trust.path,
      operationId: 'terminalTrust',
      summary: 'The current trust bundle, or 204 when the terminal already holds it',
      tags,
      auth: 'terminal',
      query: trust.query,
      responses: {
        200: { description: 'A newer bundle', schema: trust.responses[200] },
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
      method: journal.method,
      url: journal.path,
      operationId: 'uploadJournal',
      summary: 'Upload journal records in chain order (≤ 500 per request, one transaction)',
      tags,
      auth: 'terminal_even_revoked',
      body: journal.body,
      responses: {
        200: {
          description: 'Per-record results up to the first record that does not fit, and the head',
          schema: journal.responses[200],
        },
      },
      problems: [...SIGNED_PROBLEMS, 'batch_too_large'],
      handler: async ({ body, terminal }) => {
        if (terminal === null) throw new Error('terminal route without a terminal');
        return json(200, await ingestJournal(ctx, terminal.id, body.records));
      },
    }),
    defineRoute({
      method: head.method,
      url: head.path,
      operationId: 'journalHead',
      summary: "Where the backend's copy of this terminal's chain ends",
      tags,
      auth: 'terminal',
      responses: { 200: { description: 'The head (seq 0 and 64 zeros before the first record)', schema: head.responses[200] } },
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
      method: outcomes.method,
      url: outcomes.path,
      operationId: 'outcomes',
      summary: 'Settlement outcomes of this terminal’s records, after a cursor',
      tags,
      auth: 'terminal',
      query: outcomes.query,
      responses: {
        200: {
          description: `Up to ${OUTCOME_PAGE} outcomes in settlement order; pass the cursor back as \`after\``,
          schema: outcomes.responses[200],
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
      method: authorize.method,
      url: authorize.path,
      operationId: 'authorize',
      summary: 'Online-first decision: stage B plus balance, counters and the newest revocations; reserves the funds',
      tags,
      auth: 'terminal',
      body: authorize.body,
      responses: {
        200: {
          description: 'The decision; the authorization id goes into the journal record',
          schema: authorize.responses[200],
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
