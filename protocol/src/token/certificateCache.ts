import { equalBytes } from '../bytes.js';

/**
 * Remembers which certificates an issuer key has already verified, keyed by the exact 128
 * certificate bytes, so a returning customer costs one signature check (the token's).
 * Only successes are kept, in a bounded least-recently-used map: bytes an attacker invents
 * cannot grow it past its bound nor turn a failure into a success.
 */
export class CertificateCache {
  readonly #entries = new Map<string, Uint8Array>();

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True when `issuerPublicKey` has verified exactly these certificate bytes. */
  has(certificate: Uint8Array, issuerPublicKey: Uint8Array): boolean {
    const id = cacheKey(certificate);
    const issuer = this.#entries.get(id);
    if (issuer === undefined || !equalBytes(issuer, issuerPublicKey)) return false;
    this.#entries.delete(id);
    this.#entries.set(id, issuer);
    return true;
  }

  remember(certificate: Uint8Array, issuerPublicKey: Uint8Array): void {
    const id = cacheKey(certificate);
    this.#entries.delete(id);
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(id, issuerPublicKey.slice());
  }

  clear(): void {
    this.#entries.clear();
  }
}

function cacheKey(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
