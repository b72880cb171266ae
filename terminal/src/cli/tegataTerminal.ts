import { runTerminalCli } from './terminalCli.js';

process.exitCode = await runTerminalCli(process.argv.slice(2));
