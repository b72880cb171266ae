import { runWalletCli } from './runWalletCli.js';

/** `tegata-wallet`: the wallet simulator (see runWalletCli.ts). */
const stopped = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});
process.exitCode = await runWalletCli(process.argv.slice(2), {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  env: process.env,
  cwd: process.cwd(),
  stopped,
});
process.exit();
