/**
 * @tegata/protocol — the wire contract of ../shared/PROTOCOL.md, pure TypeScript.
 * Node-only adapters (the node:crypto Ed25519) live in `@tegata/protocol/node`.
 */
export * from './bytes.js';
export * from './encoding.js';
export * from './sha256.js';
export * from './crypto/ed25519.js';
export * from './crypto/ed25519Tweetnacl.js';
export * from './crypto/kid.js';
export * from './crypto/fingerprint.js';
export * from './token/reasons.js';
export * from './token/certificate.js';
export * from './token/paymentToken.js';
export * from './token/tokenText.js';
export * from './token/certificateCache.js';
export * from './token/verifyToken.js';
export * from './trust/trustBundle.js';
export * from './trust/signTrustBundle.js';
export * from './trust/readTrustBundle.js';
export * from './trust/acceptTrustBundle.js';
export * from './token/deviceKeysFile.js';
export * from './requests/signedRequest.js';
export * from './journal/journalRecord.js';
export * from './journal/journalRow.js';
export * from './journal/uuidv7.js';
export * from './journal/outcomes.js';
export * from './api/index.js';
