/** @tegata/hardware-mocks — simulated hardware for tests and demos. */
export * from './wallet/offlineWallet.js';
export { buildFixtureFiles } from './fixtures/buildFixtures.js';
export { freshTestOnlyBundle } from './fixtures/fixtureTrust.js';
export type { TokenVector } from './fixtures/tokenVectors.js';
export type { BundleVector, BundleExpectation } from './fixtures/bundleVectors.js';
export * from './serial/ptyPair.js';
export * from './random/seededRandom.js';
export * from './network/faultProxy.js';
