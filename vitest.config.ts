import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Tests run against the TypeScript sources of sibling packages, not their last build.
  resolve: {
    alias: [
      { find: /^@tegata\/protocol$/, replacement: source('./protocol/src/index.ts') },
      { find: /^@tegata\/protocol\/node$/, replacement: source('./protocol/src/node/index.ts') },
      { find: /^@tegata\/protocol\/cli$/, replacement: source('./protocol/src/cli/tokenCli.ts') },
      { find: /^@tegata\/hardware-mocks$/, replacement: source('./hardware-mocks/src/index.ts') },
    ],
  },
  // The renderer's components use React's automatic JSX runtime, as tsconfig.renderer.json does.
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['{protocol,terminal,backend,hardware-mocks}/{src,test}/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'eslint/**/*.test.js'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
  },
});
