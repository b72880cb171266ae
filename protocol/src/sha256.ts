import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

type Sha256 = (data: Uint8Array) => Uint8Array;

let implementation: Sha256 = nobleSha256;
let implementationName = 'portable';

/**
 * SHA-256. Pure JavaScript by default (the same in Node, browsers and the wallet simulator);
 * a platform adapter may install a native one (`@tegata/protocol/node` installs node:crypto's),
 * which must give the same bytes — a test checks both on random inputs.
 */
export function sha256(data: Uint8Array): Uint8Array {
  return implementation(data);
}

/** For platform adapters only. */
export function useSha256Implementation(fast: Sha256, name: string): void {
  implementation = fast;
  implementationName = name;
}

/** Which implementation `sha256` uses (diagnostics and tests). */
export function sha256ImplementationName(): string {
  return implementationName;
}

/** The portable implementation, whatever is installed (for tests comparing the two). */
export const portableSha256: Sha256 = nobleSha256;
