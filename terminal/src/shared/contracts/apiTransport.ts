import type { z } from 'zod';
import {
  terminalApi,
  type ApiError,
  type ApiInput,
  type ApiParsedInput,
  type ApiResult,
  type TerminalApi,
  type TerminalApiOutputs,
  type TerminalHandlers,
  type TerminalMethod,
} from './terminalApi.js';

/**
 * The one way the terminal API crosses a boundary (issue 10 §2). A caller holds `createApi(call)`,
 * a `TerminalApi` whose every method's input and output types come from the contract; `call` is
 * the transport (IPC to the core process, HTTP to `serve`, the Electron bridge, or `dispatch`
 * itself in the same process). Whoever answers runs `dispatch(handlers, method, input)`, which
 * refuses an unknown method or an input that fails the method's zod schema with a typed error
 * (`unknown_method`, `invalid_input`) and hands the handler the parsed input (defaults applied).
 */

/** The transport: sends one call and resolves with whatever came back. */
export type ApiCall = (method: TerminalMethod, input: unknown) => Promise<unknown>;

/** What `dispatch` refuses with before any handler runs. */
export type ContractRefusal = { ok: false; error: ApiError & { code: 'unknown_method' | 'invalid_input' } };

/**
 * `terminalApi` seen per method: each input schema as a zod type of exactly that method's
 * input and output. The assignment below is checked by the compiler, so this is no cast.
 */
type ContractShape = {
  readonly [M in TerminalMethod]: { readonly mutates: boolean; readonly input: z.ZodType<ApiParsedInput<M>, ApiInput<M>> };
};
const contract: ContractShape = terminalApi;

export function isTerminalMethod(name: string): name is TerminalMethod {
  return Object.hasOwn(terminalApi, name);
}

/** Whether a method changes state (the loopback API serves those on POST only). */
export function mutates(method: TerminalMethod): boolean {
  return contract[method].mutates;
}

/** `path: message; path: message`, naming the bad field (`(input)` for the whole input). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

/** A refusal or an answer, as every transport carries it: `{ ok, value }` or `{ ok, error: { code } }`. */
export function isApiResult(value: unknown): value is ApiResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (!('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  if (value.ok !== false || !('error' in value)) return false;
  const { error } = value;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string';
}

/**
 * The handler side of every transport. The handler's own refusals pass through; one that
 * answers something other than an `ApiResult` is a bug, thrown as a `TypeError` for the
 * transport to log and answer `internal`. A handler that throws rejects the same way.
 */
export function dispatch<M extends TerminalMethod>(handlers: TerminalHandlers, method: M, input: unknown): Promise<ApiResult<TerminalApiOutputs[M]>>;
export function dispatch(handlers: TerminalHandlers, method: string, input: unknown): Promise<ApiResult<unknown>>;
export function dispatch(handlers: TerminalHandlers, method: string, input: unknown): Promise<ApiResult<unknown>> {
  if (!isTerminalMethod(method)) {
    const refusal: ContractRefusal = { ok: false, error: { code: 'unknown_method', message: 'no such API method' } };
    return Promise.resolve(refusal);
  }
  return invoke(handlers, method, input);
}

async function invoke<M extends TerminalMethod>(handlers: TerminalHandlers, method: M, input: unknown): Promise<ApiResult<TerminalApiOutputs[M]>> {
  const parsed = contract[method].input.safeParse(input);
  if (!parsed.success) {
    const refusal: ContractRefusal = { ok: false, error: { code: 'invalid_input', message: describeIssues(parsed.error) } };
    return refusal;
  }
  const answer = await handlers[method](parsed.data);
  if (!isApiResult(answer)) throw new TypeError(`${method} answered something that is not an ApiResult`);
  return answer;
}

/** What a caller gets when the other side answered something that is not an `ApiResult`. */
const MALFORMED: ApiResult<never> = {
  ok: false,
  error: { code: 'internal', message: 'The register answered something that is not an API result.' },
};

/** One method of the client; `createApi` checks each against `TerminalApi`. */
type ClientMethod<M extends TerminalMethod> = (input: ApiInput<M>) => Promise<ApiResult<TerminalApiOutputs[M]>>;

function method<M extends TerminalMethod>(call: ApiCall, name: M): ClientMethod<M> {
  return async (input: ApiInput<M>): Promise<ApiResult<TerminalApiOutputs[M]>> => {
    const answer = await call(name, input);
    // The one place an answer's value is taken on trust: it comes from our own core through
    // `dispatch`, which validated the input and checked the answer is an ApiResult.
    return isApiResult(answer) ? (answer as ApiResult<TerminalApiOutputs[M]>) : MALFORMED;
  };
}

/**
 * The typed client over a transport. Every method is listed, so a method added to the contract
 * does not compile until it is here too.
 */
export function createApi(call: ApiCall): TerminalApi {
  return {
    status: method(call, 'status'),
    startSale: method(call, 'startSale'),
    cancelSale: method(call, 'cancelSale'),
    submitScan: method(call, 'submitScan'),
    refund: method(call, 'refund'),
    voidPayment: method(call, 'voidPayment'),
    history: method(call, 'history'),
    listScanners: method(call, 'listScanners'),
    configureScanner: method(call, 'configureScanner'),
    removeScanner: method(call, 'removeScanner'),
    testScanner: method(call, 'testScanner'),
    syncNow: method(call, 'syncNow'),
    enroll: method(call, 'enroll'),
    confirmEnrollment: method(call, 'confirmEnrollment'),
    cancelEnrollment: method(call, 'cancelEnrollment'),
  };
}

/** The API of handlers in this process, through `dispatch`: inputs parsed as over any transport. */
export function localApi(handlers: () => TerminalHandlers): TerminalApi {
  return createApi((name, input) => dispatch(handlers(), name, input));
}
