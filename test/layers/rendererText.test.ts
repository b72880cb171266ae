/**
 * Issue 11: no string literal a cashier reads is written in a component; the words come from
 * terminal/src/renderer/locales (and terminal/src/shared for reasons). A literal text child in
 * JSX (`<p>Approved</p>`) fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const renderer = path.resolve(import.meta.dirname, '../../terminal/src/renderer');

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsxFiles(full);
    return entry.name.endsWith('.tsx') && !entry.name.endsWith('.test.tsx') ? [full] : [];
  });
}

/** The first non-blank JSX text child of a source (`<p>Approved</p>` → "Approved"). */
export function literalText(source: string): string | undefined {
  const file = ts.createSourceFile('probe.tsx', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isJsxText(node) && node.text.trim() !== '') found = node.text.trim();
    else ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('renderer components', () => {
  it('the check sees a literal and lets expressions through', () => {
    expect(literalText('return <p>Approved</p>;')).toBe('Approved');
    expect(literalText("const x = useState<string | null>(null); return <p>{t('decision.approved')}</p>;")).toBeUndefined();
  });

  it('hold no JSX text of their own', () => {
    const files = tsxFiles(renderer);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(literalText(readFileSync(file, 'utf8')), file).toBeUndefined();
  });
});
