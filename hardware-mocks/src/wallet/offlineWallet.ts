import {
  encodeTokenText,
  parseCertificate,
  signToken,
  type Ed25519,
  type ParsedCertificate,
} from '@tegata/protocol';

/** What a phone holds after binding: its private key and the certificate the backend issued. */
export interface WalletKeys {
  /** The device's 32-byte Ed25519 private key (seed). */
  deviceSeed: Uint8Array;
  /** The 128-byte device certificate. */
  certificate: Uint8Array;
}

export interface MintOptions {
  /** Defaults to the wallet's next counter. */
  counter?: number;
  /** Unix seconds on the phone's clock; defaults to the wallet's clock. */
  issuedAt?: number;
  /** Seconds; defaults to 30, the refresh period of the payment screen. */
  ttl?: number;
}

export interface OfflineWallet {
  readonly certificate: ParsedCertificate;
  /** A TG1 payment token text, as the phone would show it in a QR code. */
  mint(options?: MintOptions): string;
  /** The counter the next default mint will use. */
  readonly nextCounter: number;
}

export interface OfflineWalletOptions {
  ed25519: Ed25519;
  keys: WalletKeys;
  /** Unix seconds; injected so tests control time. */
  now: () => number;
  /** The first counter to use (a phone never reuses one). */
  firstCounter?: number;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 30;

/**
 * A customer's phone without the network: mints payment tokens from its device key, with a
 * strictly increasing counter, exactly as a real wallet must (PROTOCOL.md §3).
 */
export function createOfflineWallet(options: OfflineWalletOptions): OfflineWallet {
  const certificate = parseCertificate(options.keys.certificate);
  let counter = options.firstCounter ?? 1;
  return {
    certificate,
    get nextCounter() {
      return counter;
    },
    mint(mintOptions = {}) {
      const useCounter = mintOptions.counter ?? counter;
      counter = Math.max(counter, useCounter + 1);
      const bytes = signToken(options.ed25519, options.keys.deviceSeed, {
        certificate: options.keys.certificate,
        issuedAt: mintOptions.issuedAt ?? options.now(),
        counter: useCounter,
        ttl: mintOptions.ttl ?? DEFAULT_TOKEN_TTL_SECONDS,
      });
      return encodeTokenText(bytes);
    },
  };
}
