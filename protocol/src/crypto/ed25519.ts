/**
 * Ed25519 as PROTOCOL.md uses it: RFC 8032 pure Ed25519 plus the strict rules every
 * implementation must apply (S < L, canonical R that is not of small order, canonical and
 * not-small-order public keys), with the cofactorless equation [S]B = R + [k]A. Libraries
 * differ in which of these they check, so each wrapper applies all of them itself.
 */

export interface Ed25519 {
  /** Which implementation this is, for benchmarks and diagnostics. */
  readonly name: string;
  /** The 32-byte public key of a 32-byte RFC 8032 private key (seed). */
  publicKeyFromSeed(seed: Uint8Array): Uint8Array;
  /** A 64-byte signature of `message` by the 32-byte private key `seed`. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict verification; never throws on malformed input, it answers false. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

/** True when the 32-byte little-endian scalar is below the group order L. */
export function isScalarBelowL(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] ?? 0;
    const b = L_LE[i] ?? 0;
    if (a < b) return true;
    if (a > b) return false;
  }
  return false; // equal to L
}

/**
 * True when the 32 bytes are a canonical point encoding: y < p = 2^255 − 19, and the sign
 * bit is not set on a point whose x is 0 (y = 1 or y = p − 1), which RFC 8032 refuses.
 * It does not check that y is on the curve; verification fails for such points anyway.
 */
export function isCanonicalPointEncoding(encoded: Uint8Array): boolean {
  if (encoded.length !== 32) return false;
  const top = (encoded[31] ?? 0) & 0x7f;
  const sign = (encoded[31] ?? 0) >> 7;
  // y >= p happens only when y's top 250 bits are all ones and the low byte is >= 0xed.
  let allOnes = top === 0x7f;
  for (let i = 1; i < 31 && allOnes; i++) if (encoded[i] !== 0xff) allOnes = false;
  if (allOnes && (encoded[0] ?? 0) >= 0xed) return false;
  if (sign === 1 && (isY(encoded, 1) || isYpMinus1(encoded))) return false;
  return true;
}

function isY(encoded: Uint8Array, low: number): boolean {
  if (encoded[0] !== low) return false;
  for (let i = 1; i < 31; i++) if (encoded[i] !== 0) return false;
  return ((encoded[31] ?? 0) & 0x7f) === 0;
}

function isYpMinus1(encoded: Uint8Array): boolean {
  if (encoded[0] !== 0xec) return false;
  for (let i = 1; i < 31; i++) if (encoded[i] !== 0xff) return false;
  return ((encoded[31] ?? 0) & 0x7f) === 0x7f;
}

/**
 * The y coordinates (little-endian, sign bit cleared) of the eight points of small order
 * (1, 2, 4 and 8) on edwards25519, and the two non-canonical y ≥ p that reduce to one of them
 * (p ≡ 0, p + 1 ≡ 1). Both signs of x share a y, so comparing with the sign bit masked covers
 * all eight points in every encoding (libsodium's blocklist); the test suite recomputes this
 * list from the curve equation.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  // order 4: y = 0
  new Uint8Array(32),
  // order 1 (the identity): y = 1
  Uint8Array.from([1, ...new Array<number>(31).fill(0)]),
  // order 8
  Uint8Array.from([
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ]),
  Uint8Array.from([
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
    0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ]),
  // order 2: y = p − 1
  Uint8Array.from([0xec, ...new Array<number>(30).fill(0xff), 0x7f]),
  // non-canonical: y = p (≡ 0, order 4) and y = p + 1 (≡ 1, the identity)
  Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f]),
  Uint8Array.from([0xee, ...new Array<number>(30).fill(0xff), 0x7f]),
];

/**
 * True when the encoding names a point of small order, whatever its sign bit and whether or
 * not y is reduced: every 32-byte string a lenient decoder would read as one of the eight.
 */
export function isSmallOrderEncoding(encoded: Uint8Array): boolean {
  if (encoded.length !== 32) return false;
  for (const y of SMALL_ORDER_Y) {
    let same = true;
    for (let i = 0; i < 31 && same; i++) if (encoded[i] !== y[i]) same = false;
    if (same && ((encoded[31] ?? 0) & 0x7f) === y[31]) return true;
  }
  return false;
}

/** The public-key rule of PROTOCOL.md: 32 bytes, canonical, not of small order. */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalPointEncoding(publicKey) && !isSmallOrderEncoding(publicKey);
}

/**
 * The checks every wrapper applies before asking its library (which may be laxer): the
 * public-key rule, R canonical and not of small order (OpenSSL and tweetnacl both accept a
 * small-order R when the equation holds; an honest signer never makes one), and S < L. The
 * equation itself is left to the library, which must check the cofactorless one.
 */
export function passesStrictPrechecks(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || !isAcceptablePublicKey(publicKey)) return false;
  const r = signature.subarray(0, 32);
  return isCanonicalPointEncoding(r) && !isSmallOrderEncoding(r) && isScalarBelowL(signature.subarray(32, 64));
}
