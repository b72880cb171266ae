/** Operations and the unauthenticated clock: /, /healthz, /readyz, /metrics, /openapi.json, /v1/time. */
import { terminalApi } from '@tegata/protocol';
import { z } from 'zod';
import type { Metrics } from '../http/metrics.js';
import { ProblemError } from '../http/problemError.js';
import { defineRoute, json, type AnyRoute } from '../http/route.js';
import type { Clock } from '../runtime/clock.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves to null when ready, else a short reason (no secrets). */
  check(): Promise<string | null>;
}

export interface SystemRouteDeps {
  clock: Clock;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  /** The document is built lazily, once, from every route (including these). */
  openApiDocument(): unknown;
  /** This backend's version, shown on its front page. */
  version: string;
}

/** What someone who opens the backend's address in a browser sees: what this is, where to go. */
export function frontPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tegata backend ${version}</title></head>
<body>
<h1>Tegata backend ${version}</h1>
<p>This is the API server of Tegata, for registers and the wallet app; it has no web pages.</p>
<ul>
<li>The API is under <code>/v1/</code>, described in <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</li>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</li>
<li>Administration: the <code>tegata-backend</code> command (see the README).</li>
</ul>
</body>
</html>
`;
}

const checkResult = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() });

export function systemRoutes(deps: SystemRouteDeps): AnyRoute[] {
  const page = frontPage(deps.version);
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      operationId: 'frontPage',
      summary: 'A small page saying what this server is and where its API is documented',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'HTML', contentType: 'text/html; charset=utf-8' } },
      handler: () => Promise.resolve({ status: 200, body: page, contentType: 'text/html; charset=utf-8' }),
    }),
    defineRoute({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handler: () => Promise.resolve(json(200, { status: 'ok' })),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      operationId: 'ready',
      summary: 'Readiness: database reachable, a current trust bundle signed',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks: z.array(checkResult) }) } },
      problems: ['not_ready'],
      handler: async () => {
        const checks = await Promise.all(
          deps.readiness.map(async (readiness) => {
            const name = readiness.name;
            let detail: string | null;
            try {
              detail = await readiness.check();
            } catch (error) {
              detail = error instanceof Error ? error.message : 'failed';
            }
            return detail === null ? { name, ok: true } : { name, ok: false, detail };
          }),
        );
        if (checks.some((c) => !c.ok)) {
          throw ProblemError.of(503, 'not_ready', 'Not ready', {
            detail: checks.filter((c) => !c.ok).map((c) => c.name).join(', '),
            extensions: { checks },
          });
        }
        return json(200, { status: 'ready', checks });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain; version=0.0.4' } },
      handler: async () => ({
        status: 200,
        body: await deps.metrics.registry.metrics(),
        contentType: deps.metrics.registry.contentType,
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API, as OpenAPI 3.1 generated from the route schemas',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
      handler: () => Promise.resolve(json(200, deps.openApiDocument())),
    }),
    defineRoute({
      method: terminalApi.time.method,
      url: terminalApi.time.path,
      operationId: 'time',
      summary: 'Server clock, for terminals to measure their offset (PROTOCOL.md §4)',
      tags: ['terminal'],
      auth: 'none',
      responses: { 200: { description: 'Unix milliseconds', schema: terminalApi.time.responses[200] } },
      handler: () => Promise.resolve(json(200, { now: deps.clock.nowMs() })),
    }),
  ];
}
