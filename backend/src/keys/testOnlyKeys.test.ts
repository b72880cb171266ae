import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_ONLY_PUBLIC_KEYS } from './testOnlyKeys.js';

const keysDir = new URL('../../../fixtures/keys/', import.meta.url);

/** Every public key in the TEST-ONLY fixture files, wherever it sits in the JSON. */
function fixturePublicKeys(): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string' && /publicKey$/i.test(key)) found.push(value);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const name of readdirSync(keysDir).filter((file) => file.startsWith('TEST-ONLY-'))) {
    walk(JSON.parse(readFileSync(new URL(name, keysDir), 'utf8')), '');
  }
  return found;
}

describe('TEST-ONLY public keys', () => {
  it('list exactly the keys of the fixture files', () => {
    const keys = fixturePublicKeys();
    expect(keys.length).toBeGreaterThanOrEqual(9);
    expect(new Set(TEST_ONLY_PUBLIC_KEYS.keys())).toEqual(new Set(keys));
  });
});
