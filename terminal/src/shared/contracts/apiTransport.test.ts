import { describe, expect, it } from 'vitest';
import { createApi, dispatch, isApiResult, localApi, type ApiCall } from './apiTransport.js';
import { terminalApi, type ApiResult, type SaleView, type TerminalHandlers, type TerminalMethod } from './terminalApi.js';

const notHere = (): Promise<ApiResult<never>> => Promise.resolve({ ok: false, error: { code: 'not_found', message: 'not in this fake' } });

/** Handlers that record what reached them (parsed input) and answer a sale. */
function fakeHandlers(): { handlers: TerminalHandlers; seen: { method: TerminalMethod; input: unknown }[] } {
  const seen: { method: TerminalMethod; input: unknown }[] = [];
  const sale = (amount: number, currency: number): SaleView => ({ state: 'awaiting_scan', saleId: 's-1', amount, currency, startedAt: 1 });
  const handlers: TerminalHandlers = {
    status: notHere,
    startSale: (input) => {
      seen.push({ method: 'startSale', input });
      return Promise.resolve({ ok: true, value: sale(input.amount, input.currency) });
    },
    cancelSale: () => Promise.resolve({ ok: true, value: { state: 'idle' } }),
    submitScan: (input) => {
      seen.push({ method: 'submitScan', input });
      return Promise.resolve({ ok: true, value: { kind: 'duplicate' } });
    },
    refund: notHere,
    voidPayment: notHere,
    history: (input) => {
      seen.push({ method: 'history', input });
      return Promise.resolve({ ok: true, value: { records: [], nextBeforeSeq: null } });
    },
    listScanners: () => Promise.resolve({ ok: true, value: [] }),
    configureScanner: notHere,
    removeScanner: notHere,
    testScanner: notHere,
    syncNow: notHere,
    enroll: notHere,
    confirmEnrollment: notHere,
    cancelEnrollment: notHere,
  };
  return { handlers, seen };
}

describe('dispatch', () => {
  it('refuses an unknown method with unknown_method, calling nothing', async () => {
    const { handlers, seen } = fakeHandlers();
    expect(await dispatch(handlers, 'dropTables', {})).toEqual({ ok: false, error: { code: 'unknown_method', message: 'no such API method' } });
    // Not an own property of the contract either: no prototype names.
    expect(await dispatch(handlers, 'toString', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(seen).toEqual([]);
  });

  it('refuses bad input with invalid_input naming the field, calling nothing', async () => {
    const { handlers, seen } = fakeHandlers();
    const zero = await dispatch(handlers, 'startSale', { amount: 0, currency: 392 });
    expect(zero.ok).toBe(false);
    if (zero.ok) return;
    expect(zero.error.code).toBe('invalid_input');
    expect(zero.error.message).toMatch(/^amount: /);
    const stray = await dispatch(handlers, 'startSale', { amount: 1, currency: 392, tip: 5 });
    expect(stray).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const notAnObject = await dispatch(handlers, 'history', 'fifty');
    expect(notAnObject).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/^\(input\): /) as unknown } });
    expect(seen).toEqual([]);
  });

  it('hands the handler the parsed input, defaults applied, and passes its answer through', async () => {
    const { handlers, seen } = fakeHandlers();
    expect(await dispatch(handlers, 'submitScan', { text: 'TG1X' })).toEqual({ ok: true, value: { kind: 'duplicate' } });
    expect(await dispatch(handlers, 'history', {})).toEqual({ ok: true, value: { records: [], nextBeforeSeq: null } });
    expect(seen).toEqual([
      { method: 'submitScan', input: { text: 'TG1X', source: 'replay', deviceId: 'manual' } },
      { method: 'history', input: { limit: 50 } },
    ]);
    expect(await dispatch(handlers, 'refund', { paymentId: '0190f5e4-7b1c-7a00-8000-000000000001', amount: 5 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'not in this fake' },
    });
  });

  it('throws when a handler answers something that is not an ApiResult', async () => {
    const { handlers } = fakeHandlers();
    const broken: TerminalHandlers = { ...handlers, listScanners: () => Promise.resolve(JSON.parse('{"value":[]}') as ApiResult<[]>) };
    await expect(dispatch(broken, 'listScanners', {})).rejects.toThrow(TypeError);
  });
});

describe('createApi', () => {
  it('has exactly the contract methods', () => {
    const api = createApi(() => Promise.resolve({ ok: true, value: null }));
    expect(Object.keys(api).sort()).toEqual(Object.keys(terminalApi).sort());
  });

  it('round-trips through a fake serializing transport to dispatch', async () => {
    const { handlers, seen } = fakeHandlers();
    const wire: string[] = [];
    // What any transport does: bytes out, bytes back.
    const call: ApiCall = async (method, input) => {
      const request = JSON.stringify({ method, input });
      wire.push(request);
      const { method: name, input: received } = JSON.parse(request) as { method: string; input: unknown };
      return JSON.parse(JSON.stringify(await dispatch(handlers, name, received))) as unknown;
    };
    const api = createApi(call);
    const started = await api.startSale({ amount: 1200, currency: 392 });
    expect(started).toEqual({ ok: true, value: { state: 'awaiting_scan', saleId: 's-1', amount: 1200, currency: 392, startedAt: 1 } });
    if (started.ok) expect(started.value.state).toBe('awaiting_scan');
    expect(await api.cancelSale({})).toEqual({ ok: true, value: { state: 'idle' } });
    expect(wire[0]).toBe('{"method":"startSale","input":{"amount":1200,"currency":392}}');
    expect(seen).toEqual([{ method: 'startSale', input: { amount: 1200, currency: 392 } }]);

    // Bad input crosses the transport and comes back refused, typed.
    const bad = await api.startSale({ amount: -1, currency: 392 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('answers internal when the transport returns something that is not an ApiResult', async () => {
    const api = createApi(() => Promise.resolve('<html>'));
    expect(await api.status({})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('lets a transport failure reject', async () => {
    const api = createApi(() => Promise.reject(new Error('connection refused')));
    await expect(api.status({})).rejects.toThrow('connection refused');
  });

  it('localApi dispatches to whichever handlers are current', async () => {
    const first = fakeHandlers();
    const second = fakeHandlers();
    let current = first.handlers;
    const api = localApi(() => current);
    await api.startSale({ amount: 1, currency: 392 });
    current = second.handlers;
    await api.startSale({ amount: 2, currency: 392 });
    expect(first.seen).toHaveLength(1);
    expect(second.seen).toEqual([{ method: 'startSale', input: { amount: 2, currency: 392 } }]);
  });
});

describe('isApiResult', () => {
  it('accepts answers and refusals, nothing else', () => {
    expect(isApiResult({ ok: true, value: 1 })).toBe(true);
    expect(isApiResult({ ok: false, error: { code: 'busy', message: 'later' } })).toBe(true);
    expect(isApiResult({ ok: true })).toBe(false);
    expect(isApiResult({ ok: false, error: 'busy' })).toBe(false);
    expect(isApiResult({ ok: 'yes', value: 1 })).toBe(false);
    expect(isApiResult(null)).toBe(false);
  });
});
