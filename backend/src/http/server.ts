/**
 * The Fastify instance: JSON bodies kept raw for signature checks, problem+json for every
 * error (malformed or truncated JSON, unknown routes, oversized bodies), request ids, one log
 * line per request (never a body, token, code or key), metrics.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import './requestContext.js';
import type { Metrics } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from './problem.js';
import { ProblemError } from './problemError.js';
import type { AnyRoute, Customer, RouteAuth } from './route.js';
import { authenticateTerminal, type TerminalAuthDeps } from './terminalAuth.js';


export interface ServerDeps extends TerminalAuthDeps {
  logger: Logger;
  metrics: Metrics;
  /** Absent: the admin API refuses every request. */
  adminToken: string | undefined;
  bodyLimitBytes: number;
  routes: readonly AnyRoute[];
  /** Authenticates customer routes (session bearer tokens, device-signed requests). */
  authenticateCustomer?: (request: FastifyRequest, auth: CustomerAuth) => Promise<Customer>;
  /**
   * Behind a load balancer: the proxies whose X-Forwarded-For is believed (the client is the
   * right-most hop they did not add); `true` believes anyone (dev mode only, config enforces it).
   */
  trustProxy?: boolean | readonly string[];
}

export type CustomerAuth = Extract<RouteAuth, 'session' | 'session_full' | 'device' | 'session_or_device'>;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function buildServer(deps: ServerDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    trustProxy: typeof deps.trustProxy === 'object' ? [...deps.trustProxy] : (deps.trustProxy ?? false),
  });

  app.decorateRequest('rawBody', null);
  app.decorateRequest('terminal', null);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(utf8.decode(bytes)) as unknown);
    } catch (error) {
      done(
        ProblemError.of(400, 'malformed_json', 'The body is not valid JSON', {
          detail: error instanceof SyntaxError ? error.message : 'the body is not UTF-8',
        }),
        undefined,
      );
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    deps.metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(request.terminal === null ? {} : { terminalId: request.terminal.id }),
      },
      'request',
    );
    done();
  });

  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    const body = problemFor(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: body.code }, 'request refused');
    if (typeof body.retryAfterSeconds === 'number') void reply.header('retry-after', String(body.retryAfterSeconds));
    void reply.code(body.status).header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`).send(JSON.stringify(body));
  });

  app.setNotFoundHandler((request, reply) => {
    const body = problem(404, 'not_found', 'No such route', { detail: `${request.method} ${request.url.split('?')[0] ?? ''}` });
    void reply.code(404).header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`).send(JSON.stringify(body));
  });

  for (const route of deps.routes) registerRoute(app, route, deps);
  return app;
}

function registerRoute(app: FastifyInstance, route: AnyRoute, deps: ServerDeps): void {
  app.route({
    method: route.method,
    url: route.url,
    ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
    handler: async (request, reply) => {
      let customer: Customer | null = null;
      switch (route.auth) {
        case 'session':
        case 'session_full':
        case 'device':
        case 'session_or_device':
          if (deps.authenticateCustomer === undefined) throw new Error('customer routes need authenticateCustomer');
          customer = await deps.authenticateCustomer(request, route.auth);
          break;
        case 'admin':
          checkAdmin(request, deps.adminToken);
          break;
        case 'terminal':
        case 'terminal_even_revoked':
          request.terminal = await authenticateTerminal(request, deps, route.auth === 'terminal_even_revoked');
          break;
        case 'none':
          break;
      }
      const params = validate(route.params, request.params, 'path parameters');
      const query = validate(route.query, request.query, 'query');
      const body = validate(route.body, request.body, 'body');
      const result = await route.handler({ body, query, params, request, reply, terminal: request.terminal, customer });
      void reply.code(result.status);
      if (result.body === undefined) return reply.send();
      if (result.contentType !== undefined) return reply.header('content-type', result.contentType).send(result.body);
      return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(result.body));
    },
  });
}

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  if (value === undefined && where === 'body') {
    throw ProblemError.of(400, 'invalid_request', 'The request is invalid', { detail: 'a JSON body is required' });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    in: where,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = errors[0];
  throw ProblemError.of(400, 'invalid_request', 'The request is invalid', {
    detail: first === undefined ? where : `${where}${first.path === '' ? '' : ` ${first.path}`}: ${first.message}`,
    extensions: { errors },
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function checkAdmin(request: FastifyRequest, adminToken: string | undefined): void {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
  const given = match?.[1];
  // Compare digests so the time taken says nothing about the token's length or prefix.
  if (adminToken === undefined || given === undefined || !timingSafeEqual(digest(given), digest(adminToken))) {
    throw ProblemError.of(401, 'unauthorized', 'Admin authentication required', {
      detail: adminToken === undefined ? 'the admin API is disabled (TEGATA_ADMIN_TOKEN is not set)' : 'send Authorization: Bearer <admin token>',
    });
  }
}

const FASTIFY_PROBLEMS: Readonly<Record<string, [number, string, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', 'The body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json', 'The body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json', 'The body is not valid JSON'],
};

function problemFor(error: FastifyError | ProblemError): Problem {
  if (error instanceof ProblemError) return error.problem;
  const known = FASTIFY_PROBLEMS[error.code];
  if (known !== undefined) return problem(known[0], known[1], known[2]);
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return problem(status, 'bad_request', 'The request cannot be processed', { detail: error.message });
  }
  return problem(500, 'internal_error', 'Internal error');
}
