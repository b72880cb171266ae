/**
 * One HTTP route of PROTOCOL.md §8 as data: its method, its path (Fastify syntax, `:name` for a
 * path parameter), the zod schemas of what the client sends, and of what the backend answers on
 * each success status (null: no body, e.g. 204). The backend validates requests and derives its
 * OpenAPI document from these; the register's client and the wallet simulator validate replies.
 */
import type { z } from 'zod';

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiRoute {
  readonly method: ApiMethod;
  readonly path: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
  /** Success status → reply body schema (null: no JSON body). Errors are problem+json. */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
}

/** Declares a route, keeping its exact schema types (for the handler's and the client's types). */
export function apiRoute<const R extends ApiRoute>(route: R): R {
  return route;
}

/** `/v1/devices/:deviceId/certificate` + `{ deviceId }` → the path to request (values URL-encoded). */
export function apiPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for the path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
}

/** `GET /v1/wallet`: how a route is named in messages and in the contract test. */
export function routeKey(route: Pick<ApiRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** What a route answers on success: the output of one of its reply schemas (undefined for no body). */
export type ApiReply<R extends ApiRoute> = {
  [S in keyof R['responses']]: R['responses'][S] extends z.ZodType ? z.output<R['responses'][S]> : undefined;
}[keyof R['responses']];

/**
 * Checks a success answer against the route's reply schema for its status: a status the route
 * does not answer with, or a body that does not match, is a problem (a sentence), not a reply.
 */
export function parseApiReply<R extends ApiRoute>(route: R, status: number, body: unknown): { ok: true; body: ApiReply<R> } | { ok: false; problem: string } {
  const schema = route.responses[status];
  if (schema === undefined) return { ok: false, problem: `${routeKey(route)} does not answer ${status}` };
  if (schema === null) return { ok: true, body: undefined as ApiReply<R> };
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, body: parsed.data as ApiReply<R> };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  return { ok: false, problem: `${where}${issue?.message ?? 'invalid'}` };
}
