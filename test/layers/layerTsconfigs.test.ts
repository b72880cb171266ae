/**
 * DESIGN.md: each terminal layer compiles with its own tsconfig — no DOM types in `node`, no
 * Node types in `shared` or `renderer`, Electron's types in `main` and `preload` — and every one
 * is built by `tsc -b` (terminal/tsconfig.json) and known to ESLint's project service (the root
 * tsconfig.json). The probes compile a few lines as a file of the layer, under its options.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const terminal = path.join(root, 'terminal');
const LAYERS = ['shared', 'node', 'main', 'preload', 'renderer', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

const configPath = (layer: Layer): string => path.join(terminal, `tsconfig.${layer}.json`);

function parsed(layer: Layer): ts.ParsedCommandLine {
  const config = ts.getParsedCommandLineOfConfigFile(configPath(layer), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (config === undefined) throw new Error(`${configPath(layer)} does not parse`);
  return config;
}

function referencesOf(file: string): string[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { references?: { path: string }[] };
  return (json.references ?? []).map((reference) => path.resolve(path.dirname(file), reference.path));
}

/** The error codes of `code` compiled as a new file of `layer`, with that layer's options. */
function probe(layer: Layer, code: string): number[] {
  const options: ts.CompilerOptions = { ...parsed(layer).options, noEmit: true, composite: false, incremental: false, declaration: false, declarationMap: false, sourceMap: false };
  const fileName = path.join(terminal, 'src', layer, '__probe__.ts');
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, code, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((diagnostic) => diagnostic.code);
}

/** "Cannot find name 'x'" and its variants that suggest @types/node or a `lib`. */
const CANNOT_FIND_NAME = new Set([2304, 2580, 2582, 2584, 2591]);
const missingName = (codes: number[]): boolean => codes.length > 0 && codes.every((code) => CANNOT_FIND_NAME.has(code));

describe('terminal layer tsconfigs', () => {
  it('every layer has its tsconfig with a source file, built by tsc -b and known to ESLint', () => {
    const built = referencesOf(path.join(terminal, 'tsconfig.json'));
    const linted = referencesOf(path.join(root, 'tsconfig.json'));
    for (const layer of LAYERS) {
      expect(parsed(layer).raw, layer).toMatchObject({ include: [`src/${layer}`] });
      // tsc -b fails on a project without inputs: each layer keeps at least its entry module.
      expect(parsed(layer).fileNames.length, layer).toBeGreaterThan(0);
      expect(built, layer).toContain(configPath(layer));
      expect(linted, layer).toContain(configPath(layer));
    }
  });

  it('renderer and preload reference only shared; main references shared and node', () => {
    const shared = configPath('shared');
    expect(referencesOf(configPath('renderer'))).toEqual([shared]);
    expect(referencesOf(configPath('preload'))).toEqual([shared]);
    expect(referencesOf(configPath('main'))).toEqual(expect.arrayContaining([shared, configPath('node')]));
  });

  it('the renderer has the DOM and no Node types', () => {
    expect(parsed('renderer').options.types).toEqual([]);
    expect(probe('renderer', 'export const title: string = document.title;\n')).toEqual([]);
    expect(missingName(probe('renderer', 'export const home = process.env.HOME;\n'))).toBe(true);
  }, 30_000);

  it('shared has neither the DOM nor Node', () => {
    expect(missingName(probe('shared', 'export const title = document.title;\n'))).toBe(true);
    expect(missingName(probe('shared', 'export const home = process.env.HOME;\n'))).toBe(true);
  }, 30_000);

  it('node has Node and no DOM', () => {
    expect(probe('node', 'export const home = process.env.HOME;\n')).toEqual([]);
    expect(missingName(probe('node', 'export const title = document.title;\n'))).toBe(true);
  }, 30_000);

  it('main and preload have Node and Electron types, and no DOM', () => {
    for (const layer of ['main', 'preload'] as const) {
      expect(parsed(layer).options.types, layer).toEqual(['node', 'electron']);
      expect(probe(layer, "import type { App } from 'electron';\nexport type A = App;\nexport const home = process.env.HOME;\n"), layer).toEqual([]);
      expect(missingName(probe(layer, 'export const title = document.title;\n')), layer).toBe(true);
    }
  }, 30_000);
});
