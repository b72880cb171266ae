// Runs the clock-driven suites (every test whose injected clock starts at testStartMs()) a
// second time, from the other side of a UTC midnight: fixed windows, daily limits and
// expiry all roll over there, so a test that depends on when it runs fails in one of the two.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_TEST_START_MS } from '../hardware-mocks/dist/index.js';

const DAY = 86_400_000;
const after = DEFAULT_TEST_START_MS + 60_000;
if (Math.floor(DEFAULT_TEST_START_MS / DAY) === Math.floor(after / DAY)) {
  console.error(`test-clock: ${new Date(DEFAULT_TEST_START_MS).toISOString()} and ${new Date(after).toISOString()} do not straddle a UTC midnight`);
  process.exit(1);
}
console.log(`test-clock: clock-driven suites again from ${new Date(after).toISOString()} (first run: ${new Date(DEFAULT_TEST_START_MS).toISOString()})`);
// The backend's tests all run on the harness's TestClock; elsewhere, the files that start a clock at testStartMs().
const system = readdirSync('test/system')
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `test/system/${name}`)
  .filter((file) => readFileSync(file, 'utf8').includes('testStartMs'));
const suites = ['backend', ...system, ...process.argv.slice(2)];
const run = spawnSync('npx', ['vitest', 'run', ...suites], { stdio: 'inherit', env: { ...process.env, TEGATA_TEST_START_MS: String(after) } });
process.exit(run.status ?? 1);
