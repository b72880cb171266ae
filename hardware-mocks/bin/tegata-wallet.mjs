#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install`'s prepare step or `npm run build`).
try {
  await import('../dist/cli/walletCli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('walletCli.js')) {
    process.stderr.write('tegata-wallet: not built yet; run `npm run build` at the repository root\n');
    process.exit(2);
  }
  throw error;
}
