import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from './databases.js';
import { startTestBackend, type TestBackend } from './harness.js';

describe.each(TEST_DIALECTS)('service skeleton on %s', (dialect) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startTestBackend(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /healthz and /readyz once a trust bundle is signed', async () => {
    expect(await (await t.request('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'database', ok: true }, { name: 'trust_bundle', ok: true }] });
  });

  it('tells the time in milliseconds', async () => {
    const response = await t.request('GET', '/v1/time');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ now: t.clock.nowMs() });
  });

  it('answers its root with a small page saying what it is and where the API is documented', async () => {
    const response = await t.request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toMatch(/Tegata backend \d+\.\d+\.\d+/);
    expect(page).toContain('href="/openapi.json"');
    expect(page).toContain('/v1/');
  });

  it('answers unknown routes with a problem and echoes a request id', async () => {
    const response = await t.request('GET', '/v1/nothing-here?x=1', { headers: { 'x-request-id': 'req-42' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(await response.json()).toMatchObject({ status: 404, code: 'not_found', detail: 'GET /v1/nothing-here' });
    const line = t.logLines().find((l) => l.reqId === 'req-42' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', status: 404 });
  });

  it('serves Prometheus metrics', async () => {
    await t.request('GET', '/v1/time');
    const text = await (await t.request('GET', '/metrics')).text();
    expect(text).toMatch(/tegata_http_request_duration_seconds_count\{method="GET",route="\/v1\/time",status="200"\} \d+/);
    expect(text).toMatch(/tegata_trust_bundle_serial 1/);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = (await (await t.request('GET', '/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/time']?.get?.responses['200']?.content?.['application/json']?.schema).toMatchObject({
      type: 'object',
      properties: { now: { type: 'integer' } },
    });
  });

  it('documents every PROTOCOL.md §8 route of this issue, with request schemas and security', async () => {
    interface Operation {
      parameters: { name: string; in: string }[];
      requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
      security?: Record<string, unknown>[];
    }
    const doc = (await (await t.request('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
    const routes = [
      ['get', '/v1/time'],
      ['post', '/v1/terminals/enroll'],
      ['get', '/v1/terminal/trust'],
      ['post', '/v1/terminal/authorize'],
      ['post', '/v1/terminal/journal'],
      ['get', '/v1/terminal/head'],
      ['get', '/v1/terminal/outcomes'],
      ['post', '/v1/admin/stores'],
      ['post', '/v1/admin/stores/{id}/enrollment-codes'],
      ['get', '/v1/admin/terminals'],
      ['post', '/v1/admin/terminals/{id}/revoke'],
      ['get', '/v1/admin/flags'],
      ['post', '/v1/admin/devices/{id}/revoke'],
      ['post', '/v1/admin/keys/rotate'],
      ['post', '/v1/admin/accounts/{id}/credit'],
      // Wallet routes (issue 5).
      ['post', '/v1/accounts'],
      ['post', '/v1/accounts/verify'],
      ['post', '/v1/sessions'],
      ['post', '/v1/sessions/verify'],
      ['post', '/v1/devices'],
      ['post', '/v1/devices/{deviceId}/certificate'],
      ['delete', '/v1/devices/{deviceId}'],
      ['post', '/v1/password-resets'],
      ['post', '/v1/password-resets/confirm'],
      ['get', '/v1/wallet'],
      ['post', '/v1/wallet/topups'],
      ['get', '/v1/dev/outbox'],
    ] as const;
    for (const [method, path] of routes) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const enroll = doc.paths['/v1/terminals/enroll']?.post;
    expect(Object.keys(enroll?.requestBody?.content['application/json'].schema.properties ?? {})).toEqual(['code', 'publicKey', 'name']);
    expect(doc.paths['/v1/terminal/journal']?.post?.security).toEqual([{ terminalSignature: [] }]);
    expect(doc.paths['/v1/admin/stores']?.post?.security).toEqual([{ adminBearer: [] }]);
    expect(doc.paths['/v1/devices']?.post?.security).toEqual([{ sessionBearer: [] }]);
    expect(doc.paths['/v1/devices/{deviceId}/certificate']?.post?.security).toEqual([{ deviceSignature: [] }]);
    expect(doc.paths['/v1/wallet']?.get?.security).toEqual([{ sessionBearer: [] }, { deviceSignature: [] }]);
    expect(doc.paths['/v1/terminal/outcomes']?.get?.parameters).toEqual([expect.objectContaining({ name: 'after', in: 'query' })]);
    expect(doc.paths['/v1/admin/stores/{id}/enrollment-codes']?.post?.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path' }),
    ]);
  });
});
