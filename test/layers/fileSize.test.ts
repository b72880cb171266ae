/**
 * A module a newcomer can read in one sitting (issue 10): no product file over 400 lines unless
 * its opening comment says why ("over 400 lines" and the reason).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIMIT = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file's first block comment, where a reason would be. */
function openingComment(text: string): string {
  return /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
}

describe('file size', () => {
  it(`no file in a package's src/ is over ${LIMIT} lines without saying why at its top`, () => {
    const unexplained = ['protocol', 'terminal', 'backend', 'hardware-mocks'].flatMap((pkg) =>
      sourceFiles(join(ROOT, pkg, 'src')).flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const lines = text.split('\n').length;
        return lines > LIMIT && !/over 400 lines/.test(openingComment(text)) ? [`${relative(ROOT, file)} (${lines} lines)`] : [];
      }),
    );
    expect(unexplained).toEqual([]);
  });
});
