import { describe, expect, it } from 'vitest';
import { problem } from './problem.js';

describe('problem details', () => {
  it('carry the RFC 9457 members and a stable code', () => {
    expect(problem(401, 'timestamp_out_of_window', 'Request time is too far from server time', {
      extensions: { serverTime: 1764115200123 },
    })).toEqual({
      type: 'https://tegata.dev/problems/timestamp-out-of-window',
      title: 'Request time is too far from server time',
      status: 401,
      code: 'timestamp_out_of_window',
      serverTime: 1764115200123,
    });
  });

  it('never let an extension overwrite a standard member', () => {
    const body = problem(400, 'bad_request', 'Bad request', { detail: 'why', extensions: { status: 200, code: 'ok' } });
    expect(body).toMatchObject({ status: 400, code: 'bad_request', detail: 'why' });
  });

  it('refuse a success status or a code that is not snake_case', () => {
    expect(() => problem(200, 'ok', 'OK')).toThrow(RangeError);
    expect(() => problem(400, 'Bad-Request', 'Bad')).toThrow(RangeError);
  });
});
