/**
 * The lists of eslint/rules/layers.js and the workspaces' package.json files agree: a package
 * that only tests may import (TEST_PACKAGES, TEST_PACKAGES_BY_LAYER) is a devDependency, never
 * something a production install of a workspace pulls in for itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_PACKAGES, TEST_PACKAGES_BY_LAYER } from './rules/layers.js';

const root = path.resolve(import.meta.dirname, '..');
const manifest = (dir) => JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
const workspaces = manifest('.').workspaces;
const testOnly = new Set([...TEST_PACKAGES, ...Object.values(TEST_PACKAGES_BY_LAYER).flat()]);

describe('package.json files', () => {
  it('list the test-only packages of the layer rule as devDependencies only', () => {
    const misplaced = workspaces.flatMap((dir) =>
      Object.keys(manifest(dir).dependencies ?? {})
        .filter((name) => testOnly.has(name))
        .map((name) => `${dir}: ${name}`),
    );
    expect(workspaces.length).toBeGreaterThan(0);
    expect(misplaced).toEqual([]);
  });

  it('keep the serial mock the register tests use', () => {
    expect(manifest('terminal').devDependencies).toHaveProperty(['@serialport/binding-mock']);
  });
});
