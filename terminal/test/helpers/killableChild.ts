import { spawn } from 'node:child_process';

/**
 * Runs a Node script that prints `ready` once it is up and then one JSON object per line;
 * kills it with SIGKILL `killAfterMs` after `ready` (null: lets it finish). Resolves with the
 * lines it managed to print, which — pipes being written synchronously on Linux — are exactly
 * the ones it reported before it died.
 */
export function runKillableChild<T>(script: string, args: readonly string[], killAfterMs: number | null): Promise<{ lines: T[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: T[] = [];
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'ready' && killAfterMs !== null) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('{')) lines.push(JSON.parse(line) as T);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ lines, killed: signal === 'SIGKILL' });
      else reject(new Error(`${script} failed (${String(code)}): ${stderr}`));
    });
  });
}

/** One decision a selling child process reported (crashChild.mjs, soakChild.mjs). */
export interface ReportedSale {
  i: number;
  id: string;
  seq: number;
  decision: 'approved' | 'declined';
  reason: string | null;
}
