import { processIo, runTokenCli } from './tokenCli.js';

process.exitCode = await runTokenCli(process.argv.slice(2), processIo());
