/** Issue 10: types come from the contracts, not from `as unknown as` double casts, in every package's product code. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function productFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return productFiles(full);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

describe.each(['protocol', 'terminal', 'backend', 'hardware-mocks'])('%s/src product code', (pkg) => {
  it('has no `as unknown as` double casts', () => {
    const files = productFiles(path.join(ROOT, pkg, 'src'));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((file) => /\bas\s+unknown\s+as\b/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});
