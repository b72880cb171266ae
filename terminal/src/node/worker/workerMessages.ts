import type { ApiResult, TerminalEvent, TerminalMethod } from '../../shared/contracts/terminalApi.js';

/** What the UI thread sends the core worker. */
export type ToCore =
  | { type: 'call'; id: number; method: TerminalMethod; input: unknown }
  | { type: 'close' };

/** What the core worker sends back. */
export type FromCore =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code: string }
  | { type: 'result'; id: number; result: ApiResult<unknown> }
  | { type: 'event'; event: TerminalEvent }
  | { type: 'closed' };

export interface CoreWorkerData {
  dataDir: string;
  logLevel: string;
  duplicateWindowMs: number;
}
