import { describe, expect, it } from 'vitest';
import { RESOURCES } from './i18n.js';

/** `a.b.c` → value, for every leaf of a resource tree. */
function leaves(tree: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(tree) as [string, unknown][]) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null) for (const [k, v] of leaves(value, path)) out.set(k, v);
    else out.set(path, value);
  }
  return out;
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();

describe('locales', () => {
  const en = leaves(RESOURCES.en);
  const ja = leaves(RESOURCES.ja);

  it('have every key in both languages', () => {
    expect([...ja.keys()].sort()).toEqual([...en.keys()].sort());
  });

  it('have no empty value, and the same placeholders in both languages', () => {
    for (const [key, value] of en) {
      const other = ja.get(key);
      expect(typeof value === 'string' && value.trim() !== '', `en ${key}`).toBe(true);
      expect(typeof other === 'string' && other.trim() !== '', `ja ${key}`).toBe(true);
      expect(placeholders(String(other)), key).toEqual(placeholders(String(value)));
    }
  });

});
