/**
 * The instant every injected test clock starts from. Fixed, so no test depends on the day it
 * runs; `TEGATA_TEST_START_MS` moves it (`npm test` runs the clock-driven suites a second time
 * on the other side of a UTC midnight, where fixed windows roll over).
 */
export const DEFAULT_TEST_START_MS = Date.UTC(2026, 2, 1, 23, 59, 30);

/** `TEGATA_TEST_START_MS` when set (Unix ms), else the default; a bad value is an error, not a silent default. */
export function testStartMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = env['TEGATA_TEST_START_MS'];
  if (given === undefined || given === '') return DEFAULT_TEST_START_MS;
  const ms = Number(given);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`TEGATA_TEST_START_MS must be Unix milliseconds, not ${JSON.stringify(given)}`);
  return ms;
}
