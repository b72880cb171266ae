import { createInterface } from 'node:readline';
import { runFaultProxyCli } from './runFaultProxyCli.js';

/** `tegata-fault-proxy`: the network fault proxy for manual testing (see runFaultProxyCli.ts). */
const lines = createInterface({ input: process.stdin, terminal: false });
const stopped = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});
process.exitCode = await runFaultProxyCli(process.argv.slice(2), {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  lines,
  stopped,
});
lines.close();
