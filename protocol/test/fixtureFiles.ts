import { readFileSync } from 'node:fs';
import type { Ed25519Vector } from '@tegata/hardware-mocks';
import { fileURLToPath } from 'node:url';

/** The repository root, for tests that read the committed fixtures. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function readFixtureJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8')) as unknown;
}

export interface TokenVectorFile {
  rootPublicKey: string;
  fixtureNow: number;
  vectors: {
    name: string;
    token: string;
    now: number;
    amount: number | null;
    currency: number | null;
    expected: { ok: boolean; reason?: string } & Record<string, unknown>;
  }[];
}

export interface BundleVectorFile {
  rootPublicKey: string;
  vectors: { name: string; bundle: unknown; currentSerial: number | null; now: number; expected: string }[];
}

export const tokenVectors = readFixtureJson('vectors/tokens.json') as TokenVectorFile;
export const bundleVectors = readFixtureJson('vectors/bundles.json') as BundleVectorFile;
export const fixtureBundleJson = readFixtureJson('trust/TEST-ONLY-trust-bundle.json');

export interface Ed25519VectorFile {
  vectors: Ed25519Vector[];
}

export const ed25519Vectors = readFixtureJson('vectors/ed25519.json') as Ed25519VectorFile;
