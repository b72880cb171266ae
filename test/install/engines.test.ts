/**
 * The README promises Node.js 20.19: every package the lockfile installs must say it runs
 * there, or `npm install` prints EBADENGINE warnings that people learn to ignore.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import semver from 'semver';

const root = new URL('../../', import.meta.url);
const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as unknown;

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
}

describe('engines', () => {
  it('our own floor is Node 20.19, and the README says so', () => {
    const manifest = read('package.json') as { engines: { node: string } };
    expect(manifest.engines.node).toBe('>=20.19');
    expect(readFileSync(new URL('README.md', root), 'utf8')).toContain('Node.js 20.19 or newer');
  });

  it('every locked package supports the oldest Node we promise', () => {
    const floor = semver.minVersion('>=20.19');
    const lock = read('package-lock.json') as { packages: Record<string, LockPackage> };
    const refusing = Object.entries(lock.packages).flatMap(([path, pkg]) => {
      const node = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
      if (node === undefined || floor === null) return [];
      return semver.satisfies(floor, node) ? [] : [`${path}@${pkg.version ?? '?'} wants node ${node}`];
    });
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    expect(refusing).toEqual([]);
  });
});
