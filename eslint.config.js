import { existsSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import tegata from './eslint/plugin.js';

const root = import.meta.dirname;

const TS = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
const JS = ['**/*.js', '**/*.mjs', '**/*.cjs'];

/**
 * Type-aware rules need the file in a TypeScript program, which only a file on disk can be. A
 * path that does not exist (ESLint#lintText in eslint/config.test.js, an editor's unsaved
 * buffer) gets every other rule; every real file gets all of them.
 */
const onDisk = (filePath) => existsSync(filePath);
const TS_ON_DISK = TS.map((glob) => [glob, onDisk]);

// Where console output is the product: command-line tools, scripts, benchmarks.
const CONSOLE_ALLOWED = ['**/src/cli/**', 'scripts/**', 'fixtures/**/*.mjs', '**/bench/**', '**/bin/**'];

const TEST_RUNNERS = '/^(describe|it|test|suite|bench)$/';
const FOCUS_OR_SKIP = '/^(only|skip|todo)$/';
const focusMessage = 'Focused, skipped or todo tests must not be committed: every test runs in CI.';

export default defineConfig(
  globalIgnores(['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/.vite/**', '**/test-results/**', 'data/**']),

  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { tegata },
  },

  { files: [...JS, ...TS], extends: [js.configs.recommended] },

  {
    files: [...JS, ...TS],
    rules: {
      'tegata/layers': ['error', { root }],
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        // it.only, describe.skip, test.todo, …
        {
          selector: `MemberExpression[object.name=${TEST_RUNNERS}][property.name=${FOCUS_OR_SKIP}]`,
          message: focusMessage,
        },
        // it.concurrent.only, describe.sequential.skip, …
        {
          selector: `MemberExpression[object.type='MemberExpression'][object.object.name=${TEST_RUNNERS}][property.name=${FOCUS_OR_SKIP}]`,
          message: focusMessage,
        },
        // Jasmine-style fit/xit/fdescribe/xdescribe/xtest.
        {
          selector: "CallExpression[callee.name=/^(fit|fdescribe|xit|xdescribe|xtest)$/]",
          message: focusMessage,
        },
      ],
    },
  },

  {
    files: JS,
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // TypeScript, every file: the syntactic rules.
  {
    files: TS,
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },

  // TypeScript on disk: the type-aware rules. The project service opens each file in the
  // nearest tsconfig.json that includes it, else in a project referenced from the root
  // tsconfig.json (that is how `*.test.ts` reach tsconfig.test.json): a new tsconfig must be
  // listed in the root references, or its files fail with "not found by the project service".
  {
    files: TS_ON_DISK,
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root-level tool configs (vitest.config.ts) belong to no package's tsconfig.
          allowDefaultProject: ['*.config.ts'],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: root,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  { files: CONSOLE_ALLOWED, rules: { 'no-console': 'off' } },
);
