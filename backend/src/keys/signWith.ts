/**
 * The protocol package builds every signed structure (delegation, trust bundle, certificate)
 * from a private key it is handed. To sign through a Signer instead, the structure is built
 * once with a stand-in Ed25519 that records the exact message it is asked to sign; the
 * Signer signs that message and the signature replaces the stand-in's. The bytes are the
 * protocol package's own, so no wire format is re-implemented here; callers verify the result.
 */
import {
  signCertificate,
  signDelegation,
  signTrustBundle,
  toBase64url,
  type CertificateFields,
  type Delegation,
  type Ed25519,
  type SignedDelegation,
  type SignedTrustBundle,
  type TrustBundleDocument,
} from '@tegata/protocol';
import type { Signer } from './signer.js';

const PLACEHOLDER_SEED = new Uint8Array(32);

async function signVia<T>(
  signer: Signer,
  build: (ed: Ed25519, seed: Uint8Array) => T,
  attach: (unsigned: T, signature: Uint8Array) => T,
): Promise<T> {
  const messages: Uint8Array[] = [];
  const recorder: Ed25519 = {
    name: 'recorder',
    publicKeyFromSeed: () => signer.publicKey,
    sign: (_seed, message) => {
      messages.push(message.slice());
      return new Uint8Array(64);
    },
    verify: () => false,
  };
  const unsigned = build(recorder, PLACEHOLDER_SEED);
  const [message] = messages;
  if (messages.length !== 1 || message === undefined) throw new Error(`expected one signature, the builder asked for ${messages.length}`);
  const signature = await signer.sign(message);
  if (signature.length !== 64) throw new Error('a signer returned a signature that is not 64 bytes');
  return attach(unsigned, signature);
}

/** The root delegates a bundle key (PROTOCOL.md §5). */
export function delegateWith(root: Signer, delegation: Delegation): Promise<SignedDelegation> {
  return signVia(
    root,
    (ed, seed) => signDelegation(ed, seed, delegation),
    (unsigned, signature) => ({ payload: unsigned.payload, signature: toBase64url(signature) }),
  );
}

/** A bundle key signs a trust bundle document and packs it with its delegation. */
export function signBundleWith(
  bundleKey: Signer,
  delegation: SignedDelegation,
  document: TrustBundleDocument,
): Promise<SignedTrustBundle> {
  return signVia(
    bundleKey,
    (ed, seed) => signTrustBundle(ed, seed, delegation, document),
    (unsigned, signature) => ({ ...unsigned, signature: toBase64url(signature) }),
  );
}

/** An issuer key signs a 128-byte device certificate (PROTOCOL.md §2). */
export function signCertificateWith(issuer: Signer, fields: CertificateFields): Promise<Uint8Array> {
  return signVia(
    issuer,
    (ed, seed) => signCertificate(ed, seed, fields),
    (unsigned, signature) => {
      const bytes = unsigned.slice();
      bytes.set(signature, bytes.length - 64);
      return bytes;
    },
  );
}
