/**
 * The backend serves exactly the routes of the API contract (@tegata/protocol `API_ROUTES`,
 * PROTOCOL.md §8), plus routes that are deliberately backend-local, listed here:
 *
 * - operations: `GET /`, `/healthz`, `/readyz`, `/metrics`, `/openapi.json` (not wire contract);
 * - admin: every `/v1/admin/...` route (Bearer admin token; also the `tegata-backend` CLI);
 * - dev: every `/v1/dev/...` route except `GET /v1/dev/outbox`, which is in the contract because
 *   the wallet simulator reads its codes there.
 *
 * A route added to the backend and not to the contract (or the other way round) fails here.
 */
import { API_ROUTES, apiPath, routeKey } from '@tegata/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestBackend, type TestBackend } from './harness.js';

interface Operation {
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { content?: { 'application/json'?: { schema: unknown } } }>;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const OPERATIONS = new Set(['GET /', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json']);

function backendLocal(key: string): boolean {
  const [, path = ''] = key.split(' ');
  return OPERATIONS.has(key) || path.startsWith('/v1/admin/') || (path.startsWith('/v1/dev/') && key !== 'GET /v1/dev/outbox');
}

describe('the backend and the API contract name the same routes', () => {
  let t: TestBackend;
  let served: string[];
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    t = await startTestBackend('sqlite'); // dev mode: the dev routes are registered too
    doc = (await (await t.request('GET', '/openapi.json')).json()) as typeof doc;
    served = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every route once in the contract', () => {
    const keys = API_ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has every route the backend serves in the contract, unless it is backend-local', () => {
    expect(served.length).toBeGreaterThan(API_ROUTES.length);
    const contract = new Set(API_ROUTES.map(routeKey));
    expect(served.filter((key) => !backendLocal(key) && !contract.has(key))).toEqual([]);
    // And nothing of the contract is counted as backend-local.
    expect([...contract].filter(backendLocal)).toEqual([]);
  });

  it('serves every route of the contract (registered in Fastify and in the OpenAPI document)', () => {
    const documented = new Set(served);
    expect(API_ROUTES.map(routeKey).filter((key) => !documented.has(key))).toEqual([]);
    for (const route of API_ROUTES) {
      expect(t.backend.app.hasRoute({ method: route.method, url: route.path }), routeKey(route)).toBe(true);
    }
  });

  it("documents each contract route with the contract's own request and reply schemas", () => {
    for (const route of API_ROUTES) {
      const operation = doc.paths[route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation, routeKey(route)).toBeDefined();
      expect(operation?.requestBody?.content['application/json'].schema, routeKey(route)).toEqual(
        route.body === undefined ? undefined : jsonSchema(route.body, 'input'),
      );
      const statuses = Object.keys(operation?.responses ?? {}).filter((status) => status !== 'default');
      expect(statuses.sort(), routeKey(route)).toEqual(Object.keys(route.responses).sort());
      for (const [status, schema] of Object.entries(route.responses)) {
        expect(operation?.responses[status]?.content?.['application/json']?.schema, `${routeKey(route)} ${status}`).toEqual(
          schema === null ? undefined : jsonSchema(schema, 'output'),
        );
      }
    }
  });

  it('fails the check for a route missing on one side (the comparison is not vacuous)', () => {
    const contract = new Set(API_ROUTES.map(routeKey));
    expect(contract.has('GET /v1/terminal/head')).toBe(true);
    expect(served).toContain('GET /v1/terminal/head');
    expect(t.backend.app.hasRoute({ method: 'GET', url: '/v1/terminal/not-a-route' })).toBe(false);
    expect(backendLocal('POST /v1/admin/stores') && backendLocal('GET /healthz') && !backendLocal('GET /v1/dev/outbox')).toBe(true);
    expect(apiPath('/v1/devices/:deviceId/certificate', { deviceId: '0123456789abcdef' })).toBe('/v1/devices/0123456789abcdef/certificate');
  });
});
