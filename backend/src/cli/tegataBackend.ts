import { processIo, runBackendCli } from './backendCli.js';

process.exitCode = await runBackendCli(process.argv.slice(2), processIo());
