/** Trust bundle types, PROTOCOL.md §5. */

export const TRUST_FORMAT = 'tegata-trust/1';
export const DELEGATION_SIGNING_PREFIX = 'tegata/delegate/v1';
export const TRUST_SIGNING_PREFIX = 'tegata/trust/v1';

export interface TrustPolicy {
  currency: number;
  clockSkewSeconds: number;
  maxTokenTtlSeconds: number;
  maxOfflineSeconds: number;
  maxStoredPayments: number;
  maxStoredAmount: number;
  maxClockAgeSeconds: number;
}

export interface TrustIssuer {
  kid: string;
  publicKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}

export interface RevokedDevice {
  deviceId: string;
  until: number;
}

/**
 * The signed bundle document, decoded. Immutable: a bundle is replaced, never edited, and
 * verifiers cache what they derive from one (its revoked set) by object identity.
 */
export interface TrustBundleDocument {
  readonly serial: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly issuers: readonly TrustIssuer[];
  readonly revokedDevices: readonly RevokedDevice[];
  readonly policy: Readonly<TrustPolicy>;
}

export interface Delegation {
  bundleKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}

/** The JSON served by the backend and stored by the terminal. */
export interface SignedTrustBundle {
  format: string;
  delegation: { payload: string; signature: string };
  payload: string;
  signature: string;
}

/** A bundle whose document has been decoded (and, when `verified`, checked against a root key). */
export interface TrustBundle {
  document: TrustBundleDocument;
  delegation: Delegation;
  /** The JSON it came from, to store or forward unchanged. */
  signed: SignedTrustBundle;
}

export const POLICY_FIELDS = [
  'currency',
  'clockSkewSeconds',
  'maxTokenTtlSeconds',
  'maxOfflineSeconds',
  'maxStoredPayments',
  'maxStoredAmount',
  'maxClockAgeSeconds',
] as const satisfies readonly (keyof TrustPolicy)[];
