import { randomBytes } from 'node:crypto';

/** Randomness, injected so tests can make ids and codes predictable. */
export interface Random {
  bytes(length: number): Uint8Array;
}

export const systemRandom: Random = { bytes: (length) => new Uint8Array(randomBytes(length)) };
