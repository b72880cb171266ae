import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildFixtureFiles } from '../fixtures/buildFixtures.js';

/** Writes the deterministic TEST-ONLY fixtures into <repo>/fixtures (or the directory given). */
const target = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'fixtures'));
for (const [path, content] of buildFixtureFiles()) {
  const file = join(target, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`wrote ${file}`);
}
