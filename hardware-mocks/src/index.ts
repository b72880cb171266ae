/** @tegata/hardware-mocks — simulated hardware for tests and demos. */
export * from './wallet/offlineWallet.js';
export { buildFixtureFiles } from './fixtures/buildFixtures.js';
export { freshTestOnlyBundle } from './fixtures/fixtureTrust.js';
export type { TokenVector } from './fixtures/tokenVectors.js';
export type { BundleVector, BundleExpectation } from './fixtures/bundleVectors.js';
export type { Ed25519Vector } from './fixtures/ed25519Vectors.js';
export * from './serial/ptyPair.js';
export * from './random/seededRandom.js';
export * from './network/faultProxy.js';
export * from './wallet/walletSimulator.js';
export * from './wallet/walletState.js';
export * from './wallet/qrImages.js';
export * from './wallet/rotatingQrServer.js';
export { runWalletCli, WALLET_USAGE, type WalletCliIo } from './cli/runWalletCli.js';
export * from './clock/testInstant.js';
export * as edwards25519 from './fixtures/edwards25519.js';
