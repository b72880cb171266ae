import type { ApiError, ApiResult } from './terminalApi.js';

/** A handler's success, as the API returns it. */
export function ok<T>(value: T): Promise<ApiResult<T>> {
  return Promise.resolve({ ok: true, value });
}

/** A handler's refusal, as the API returns it. */
export function fail<T>(code: ApiError['code'], message: string): Promise<ApiResult<T>> {
  return Promise.resolve(refusal(code, message));
}

export function refusal(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}
