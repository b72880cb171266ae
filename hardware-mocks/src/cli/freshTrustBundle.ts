import { writeFileSync } from 'node:fs';
import { freshTestOnlyBundle } from '../fixtures/fixtureTrust.js';

/** Writes a TEST-ONLY trust bundle valid now (or at --now <unix s>) to the given file or stdout. */
const args = process.argv.slice(2);
const nowIndex = args.indexOf('--now');
const now = nowIndex >= 0 ? Number(args[nowIndex + 1]) : Math.floor(Date.now() / 1000);
if (!Number.isSafeInteger(now) || now < 0) {
  console.error('usage: fresh-trust-bundle [--now <unix seconds>] [<out file>]');
  process.exit(2);
}
const out = nowIndex >= 0 ? args.filter((_, i) => i !== nowIndex && i !== nowIndex + 1)[0] : args[0];
const json = `${JSON.stringify(freshTestOnlyBundle(now), null, 2)}\n`;
if (out === undefined) process.stdout.write(json);
else writeFileSync(out, json);
