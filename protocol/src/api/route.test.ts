import { describe, expect, it } from 'vitest';
import { customerApi } from './customerApi.js';
import { API_ROUTES } from './index.js';
import { apiPath, parseApiReply, routeKey } from './route.js';
import { terminalApi } from './terminalApi.js';

describe('the API contract', () => {
  it('fills path parameters, URL-encoded, and names the missing one', () => {
    expect(apiPath(customerApi.renewCertificate.path, { deviceId: '0123456789abcdef' })).toBe('/v1/devices/0123456789abcdef/certificate');
    expect(apiPath(customerApi.answerTopupChallenge.path, { id: 'a/b c' })).toBe('/v1/wallet/topups/a%2Fb%20c/challenge');
    expect(() => apiPath(customerApi.removeDevice.path)).toThrow('no value for the path parameter deviceId of /v1/devices/:deviceId');
  });

  it('checks a reply against the schema of its status', () => {
    const head = { seq: 3, hash: 'ab'.repeat(32) };
    expect(parseApiReply(terminalApi.head, 200, head)).toEqual({ ok: true, body: head });
    const negative = parseApiReply(terminalApi.head, 200, { seq: -1, hash: head.hash });
    expect(negative.ok).toBe(false);
    expect(negative.ok ? '' : negative.problem).toMatch(/^seq: /);
    expect(parseApiReply(terminalApi.head, 201, head)).toEqual({ ok: false, problem: 'GET /v1/terminal/head does not answer 201' });
    expect(parseApiReply(terminalApi.trust, 204, undefined)).toEqual({ ok: true, body: undefined });
  });

  it('names each route once', () => {
    const keys = API_ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('POST /v1/terminal/journal');
    expect(keys).toContain('DELETE /v1/devices/:deviceId');
  });
});
