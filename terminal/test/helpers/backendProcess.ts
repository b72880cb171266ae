import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The backend's command, run as a separate process exactly as an operator would. */
export const backendBin = fileURLToPath(new URL('../../../backend/bin/tegata-backend.mjs', import.meta.url));

export interface BackendProcess {
  child: ChildProcess;
  url: string;
  adminToken: string;
  admin<T = unknown>(method: 'GET' | 'POST', path: string, body?: object): Promise<T>;
  stop(): Promise<void>;
}

/** `tegata-backend serve` in dev mode on a free port with its own data directory. */
export async function startBackend(dataDir: string, env: Record<string, string> = {}): Promise<BackendProcess> {
  const adminToken = `TEST-ONLY-admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const child = spawn(process.execPath, [backendBin, 'serve', '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEGATA_DEV: '1', TEGATA_ADMIN_TOKEN: adminToken, TEGATA_LOG_LEVEL: 'warn', ...env },
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start: ${stderr}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+?)(?:[\s;]|$)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${String(code)}: ${stderr}`)));
  });
  return {
    child,
    url,
    adminToken,
    async admin<T>(method: 'GET' | 'POST', path: string, body?: object) {
      const response = await fetch(new URL(path, url), {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
