#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install`'s prepare step or `npm run build`).
try {
  await import('../dist/cli/tegataBackend.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('tegataBackend.js')) {
    process.stderr.write('tegata-backend: not built yet; run `npm run build` at the repository root\n');
    process.exit(2);
  }
  throw error;
}
