/**
 * Routes are declared once, with zod schemas for params, query and body and a description of
 * each response; the same declaration validates requests and generates /openapi.json.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Device, Session, Terminal } from '../db/schema.js';

/**
 * - `none`: public;
 * - `admin`: `Authorization: Bearer <admin token>`;
 * - `terminal`: a terminal-signed request (PROTOCOL.md §6) of an active terminal;
 * - `terminal_even_revoked`: the same, but a revoked terminal that proves its key is let in
 *   (journal upload: records it made before revocation are quarantined, not lost).
 */
export type RouteAuth =
  | 'none'
  | 'admin'
  | 'terminal'
  | 'terminal_even_revoked'
  /** `Authorization: Bearer <session token>` of a live customer session, either scope. */
  | 'session'
  /** The same, full scope only (not an e-mail-verified restricted session). */
  | 'session_full'
  /** A device-signed request (PROTOCOL.md §6 `Tegata-Device`) of an active device. */
  | 'device'
  /** A session (either scope) or a device-signed request. */
  | 'session_or_device';

/** The customer behind a session- or device-authenticated request. */
export interface Customer {
  accountId: string;
  session: Session | null;
  /** The bearer token as sent (binding proofs sign it). */
  sessionToken: string | null;
  device: Device | null;
}

export interface ResponseSpec {
  description: string;
  /** The JSON body; absent for 204 and for non-JSON bodies. */
  schema?: z.ZodType;
  /** A non-JSON media type (text for /metrics). */
  contentType?: string;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  contentType?: string;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The authenticated terminal on terminal routes, otherwise null. */
  terminal: Terminal | null;
  /** The customer on session and device routes, otherwise null. */
  customer: Customer | null;
}

export interface RouteSpec<
  BS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
  PS extends z.ZodType | undefined = undefined,
> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify syntax: `/v1/admin/stores/:id/enrollment-codes`. */
  url: string;
  operationId: string;
  summary: string;
  tags: readonly string[];
  auth: RouteAuth;
  body?: BS;
  query?: QS;
  params?: PS;
  /** Every status the route answers on success; errors are problem+json (listed generically). */
  responses: Readonly<Record<number, ResponseSpec>>;
  /** Problem codes this route may answer with, for the document. */
  problems?: readonly string[];
  bodyLimit?: number;
  handler(context: RouteContext<Parsed<BS>, Parsed<QS>, Parsed<PS>>): Promise<HandlerResult>;
}

/** A route with its types erased, as the server and the OpenAPI builder hold them. */
export interface AnyRoute {
  method: RouteSpec['method'];
  url: string;
  operationId: string;
  summary: string;
  tags: readonly string[];
  auth: RouteAuth;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  responses: Readonly<Record<number, ResponseSpec>>;
  problems?: readonly string[];
  bodyLimit?: number;
  handler(context: RouteContext<unknown, unknown, unknown>): Promise<HandlerResult>;
}

export function defineRoute<
  BS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
  PS extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<BS, QS, PS>): AnyRoute {
  return spec;
}

export const json = (status: number, body: unknown): HandlerResult => ({ status, body });
export const noContent = (): HandlerResult => ({ status: 204 });
