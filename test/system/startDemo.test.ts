import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const data = mkdtempSync(join(tmpdir(), 'tegata-start-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `npm start` (its script), until it says it is running; then Ctrl-C. Resolves with what it printed. */
function startOnce(env: Record<string, string>, whileRunning: () => Promise<void> | void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let asked = false;
    let failure: unknown = null;
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`npm start did not get ready:\n${out}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('Ctrl-C stops.') && !asked) {
        asked = true;
        void (async () => {
          try {
            await whileRunning();
          } catch (error) {
            failure = error;
          } finally {
            child.kill('SIGINT');
          }
        })();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (failure !== null) reject(failure instanceof Error ? failure : new Error("the walk-through failed"));
      else if (out.includes('Ctrl-C stops.')) resolve(out);
      else reject(new Error(`npm start exited with ${String(code)}:\n${out}`));
    });
  });
}

describe('npm start', () => {
  it('makes the ¥1,200 demo sale on the first start only', { timeout: 240_000 }, async () => {
    const backendPort = await freePort();
    const env = { TEGATA_DATA: data, TEGATA_BACKEND_PORT: String(backendPort), TEGATA_WALLET_PORT: '0', TEGATA_REGISTER_PORT: '0' };
    const balance = (): number => {
      const text = execFileSync(process.execPath, [join(root, 'hardware-mocks/bin/tegata-wallet.mjs'), '--state', join(data, 'TEST-ONLY-wallet-state.json'), 'balance', '--json'], { encoding: 'utf8' });
      return (JSON.parse(text) as { balance: number }).balance;
    };
    const terminalDir = join(data, 'terminal');
    const wallet = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'hardware-mocks/bin/tegata-wallet.mjs'))} --state ${JSON.stringify(join(data, 'TEST-ONLY-wallet-state.json'))}`;
    const terminal = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'terminal/bin/tegata-terminal.mjs'))}`;
    const sh = (command: string) => execFileSync('sh', ['-c', command], { encoding: 'utf8' });
    /** README's "Walk-through, no scanner needed", as written (paths made absolute). */
    const walkThrough = async () => {
      expect(sh(`${terminal} status --data ${terminalDir}`)).toMatch(/Register\s+running\nConnection\s+online/);
      const sale = JSON.parse(sh(`${wallet} token | ${terminal} sale --data ${terminalDir} --amount 500 --currency 392 --token -`)) as { decision: string };
      expect(sale.decision).toBe('approved');
      const history = sh(`${terminal} history --data ${terminalDir}`);
      expect(history).toMatch(/¥500 {2}APPROVED/);
      expect(history).toMatch(/¥1,200 {2}APPROVED/);
      const deadline = Date.now() + 20_000;
      while (balance() !== 8300 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(balance()).toBe(8300);
    };
    const balances: number[] = [];
    const first = await startOnce(env, () => void balances.push(balance()));
    expect(first).toMatch(/demo sale\s+¥1,200 → APPROVED/);
    const second = await startOnce(env, async () => {
      balances.push(balance());
      await walkThrough();
    });
    expect(second).toMatch(/demo sale\s+made on the first start/);
    expect(second).not.toMatch(/APPROVED|DECLINED/);
    expect(balances).toEqual([8800, 8800]);
  });
});
