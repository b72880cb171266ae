/** The register's routes (PROTOCOL.md §8 "Terminal"): the clock, enrollment, and the signed (§6) routes. */
import { z } from 'zod';
import { fromBase64url } from '../encoding.js';
import { SETTLEMENT_OUTCOMES } from '../journal/outcomes.js';
import { apiRoute } from './route.js';

/** A signed trust bundle as it travels (PROTOCOL.md §5). */
export const signedTrustBundleSchema = z.object({
  format: z.string(),
  delegation: z.object({ payload: z.string(), signature: z.string() }),
  payload: z.string(),
  signature: z.string(),
});

/** Where the backend's copy of a terminal's chain ends (seq 0 and 64 zeros before the first record). */
export const journalHeadSchema = z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/** An outcomes cursor: an opaque decimal the backend returned. */
export const outcomesCursorSchema = z.string().regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a cursor this API returned');

export const journalReplySchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['accepted', 'duplicate', 'rejected']),
      code: z.string().optional(),
      detail: z.string().optional(),
    }),
  ),
  head: journalHeadSchema,
});
export type JournalReply = z.infer<typeof journalReplySchema>;

export const outcomesReplySchema = z.object({
  outcomes: z.array(z.object({ id: z.string(), outcome: z.enum(SETTLEMENT_OUTCOMES), at: z.number().int() })),
  /** Opaque to the register, which passes it back as `after` (the backend checks it there). */
  cursor: z.string(),
});
export type OutcomesReply = z.infer<typeof outcomesReplySchema>;

export const authorizeRequestSchema = z.object({
  saleId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 visible ASCII characters'),
  token: z.string().min(1).max(4096),
  amount: z.number().int().min(1).max(0xffffffff),
  currency: z.number().int().min(0).max(65_535),
});
export const authorizeReplySchema = z.object({
  authorization: z.string().min(1).max(128),
  decision: z.enum(['approved', 'declined']),
  reason: z.string().optional().describe('a §4 reason code, replayed, insufficient_funds or unknown_device'),
});
export type AuthorizeReply = z.infer<typeof authorizeReplySchema>;

export const enrollRequestSchema = z.object({
  code: z.string().min(1).max(64),
  publicKey: z.string().refine((text) => fromBase64url(text)?.length === 32, 'must be base64url of 32 bytes'),
  name: z.string().trim().min(1).max(100),
});
export const enrollReplySchema = z.object({
  terminalId: z.string(),
  storeId: z.string(),
  rootPublicKey: z.string(),
  trust: signedTrustBundleSchema,
});
export type EnrollReply = z.infer<typeof enrollReplySchema>;

export const timeReplySchema = z.object({ now: z.number().int() });

export const terminalApi = {
  time: apiRoute({ method: 'GET', path: '/v1/time', responses: { 200: timeReplySchema } }),
  enroll: apiRoute({ method: 'POST', path: '/v1/terminals/enroll', body: enrollRequestSchema, responses: { 201: enrollReplySchema } }),
  trust: apiRoute({
    method: 'GET',
    path: '/v1/terminal/trust',
    query: z.object({
      serial: z
        .string()
        .regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
        .transform(Number)
        .optional(),
    }),
    responses: { 200: signedTrustBundleSchema, 204: null },
  }),
  journal: apiRoute({
    method: 'POST',
    path: '/v1/terminal/journal',
    body: z.object({ records: z.array(z.unknown()).describe('journal records, PROTOCOL.md §7') }),
    responses: { 200: journalReplySchema },
  }),
  head: apiRoute({ method: 'GET', path: '/v1/terminal/head', responses: { 200: journalHeadSchema } }),
  outcomes: apiRoute({
    method: 'GET',
    path: '/v1/terminal/outcomes',
    query: z.object({ after: outcomesCursorSchema.optional() }),
    responses: { 200: outcomesReplySchema },
  }),
  authorize: apiRoute({ method: 'POST', path: '/v1/terminal/authorize', body: authorizeRequestSchema, responses: { 200: authorizeReplySchema } }),
};
