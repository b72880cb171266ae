import { z } from 'zod';
import type { ApiResult, TerminalEvent, TerminalMethod } from '../../shared/contracts/terminalApi.js';

/** What the parent (serve, or Electron main) sends the core process. */
export type ToCore =
  | { type: 'call'; id: number; method: TerminalMethod; input: unknown }
  | { type: 'close' };

/** What the core process sends back. */
export type FromCore =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code: string }
  | { type: 'result'; id: number; result: ApiResult<unknown> }
  | { type: 'event'; event: TerminalEvent }
  | { type: 'closed' };

/** What the core process starts with: its one command-line argument, as JSON. */
export const coreProcessDataSchema = z
  .object({
    dataDir: z.string().min(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    duplicateWindowMs: z.number().int().min(0),
  })
  .strict();
export type CoreProcessData = z.infer<typeof coreProcessDataSchema>;

/** Reads the start data from the argument; a message naming the bad field otherwise. */
export function parseCoreProcessData(argument: string | undefined): { ok: true; data: CoreProcessData } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(argument ?? '') as unknown;
  } catch {
    return { ok: false, message: 'the core process start data is not JSON' };
  }
  const parsed = coreProcessDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `bad core process start data: ${issue === undefined ? 'invalid' : `${issue.path.map(String).join('.') || '(input)'}: ${issue.message}`}` };
  }
  return { ok: true, data: parsed.data };
}
