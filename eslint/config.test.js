import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The real root config, linting code at paths inside the repository.
const repoRoot = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: repoRoot });

/** Lints `code` as if it were `file` (relative to the repo root) and returns `ruleId: message` lines. */
async function lint(file, code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const rule = (messages, ruleId) => messages.filter((m) => m.startsWith(`${ruleId}: `));

describe('eslint.config.js', () => {
  it('reports a renderer importing terminal/src/node', async () => {
    const messages = await lint('terminal/src/renderer/__virtual__/Status.ts', "import { openStore } from '../../node/store.js';\nopenStore();\n");
    expect(rule(messages, 'tegata/layers')).toEqual([
      'tegata/layers: terminal/src/renderer may import only terminal/src/shared and terminal/src/renderer; it imports terminal/src/node (../../node/store.js)',
    ]);
  });

  it('reports the backend importing the terminal', async () => {
    const messages = await lint('backend/src/__virtual__.ts', "import { startCore } from '@tegata/terminal';\nstartCore();\n");
    expect(rule(messages, 'tegata/layers')).toEqual([
      'tegata/layers: backend may import only protocol/src, protocol/src/node, backend and node builtins; it imports terminal (@tegata/terminal)',
    ]);
  });

  it('applies the layer rule to plain JavaScript too', async () => {
    const messages = await lint('protocol/bench/__virtual__.mjs', "import { app } from 'electron';\nconsole.log(app);\n");
    expect(messages).toEqual([
      'tegata/layers: protocol/bench may import only protocol/src, protocol/src/node and node builtins; it imports electron (electron)',
    ]);
  });

  it('reports focused and skipped tests', async () => {
    const messages = await lint(
      'protocol/src/__virtual__.test.ts',
      [
        "import { describe, it, test } from 'vitest';",
        "it.only('a', () => {});",
        "describe.skip('b', () => {});",
        "test.todo('c');",
        "it.concurrent.only('d', () => {});",
        "it.skipIf(process.env.CI === undefined)('runs where it can', () => {});",
        '',
      ].join('\n'),
    );
    expect(rule(messages, 'no-restricted-syntax')).toHaveLength(4);
  });

  it('allows console only in CLIs, scripts, benches and bins', async () => {
    const code = "console.log('hello');\n";
    expect(rule(await lint('protocol/src/__virtual__.ts', code), 'no-console')).toHaveLength(1);
    expect(rule(await lint('terminal/src/node/__virtual__.ts', code), 'no-console')).toHaveLength(1);
    expect(rule(await lint('terminal/src/cli/__virtual__.ts', code), 'no-console')).toEqual([]);
    expect(rule(await lint('scripts/__virtual__.mjs', code), 'no-console')).toEqual([]);
    expect(rule(await lint('protocol/bin/__virtual__.mjs', code), 'no-console')).toEqual([]);
  });

  it('enforces no-explicit-any and consistent-type-imports', async () => {
    const messages = await lint(
      'protocol/src/__virtual__.ts',
      "import { Ed25519 } from './crypto/ed25519.js';\nexport function f(x: any, e: Ed25519): string { return String(x) + e.name; }\n",
    );
    expect(rule(messages, '@typescript-eslint/no-explicit-any')).toHaveLength(1);
    expect(rule(messages, '@typescript-eslint/consistent-type-imports')).toHaveLength(1);
  });

  it('lints a TypeScript path that is not on disk, without type information', async () => {
    // No "file was not found by the project service" parse error; and since no program holds
    // this file, the floating promise goes unnoticed here (it is reported on disk, below).
    const [result] = await eslint.lintText('export async function f(): Promise<void> {}\nf();\n', {
      filePath: path.join(repoRoot, 'protocol/src/__virtual__.ts'),
    });
    expect(result.messages).toEqual([]);
  });

  it('applies the type-aware rules to files on disk', async () => {
    // Any real source file of protocol core: lintText with its path lints the given text in its project.
    const srcDir = path.join(repoRoot, 'protocol/src');
    const real = readdirSync(srcDir).find((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    expect(real, 'protocol/src has a .ts file').toBeDefined();
    const filePath = path.join(srcDir, real);
    expect(existsSync(filePath)).toBe(true);

    const [result] = await eslint.lintText(
      [
        'export async function f(): Promise<void> {}',
        'f();',
        "export function g(h: () => void): void { h(); }",
        'g(async () => {});',
        '',
      ].join('\n'),
      { filePath },
    );
    const ruleIds = result.messages.map((m) => m.ruleId);
    expect(ruleIds).toContain('@typescript-eslint/no-floating-promises');
    expect(ruleIds).toContain('@typescript-eslint/no-misused-promises');
  });
});
