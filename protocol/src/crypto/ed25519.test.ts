/**
 * Strict Ed25519 (PROTOCOL.md, intro): RFC 8032 pure Ed25519 plus S < L, canonical R that is
 * not of small order, canonical, not-small-order public keys and the cofactorless equation. The same suite runs against both wrappers, and
 * where a wrapper closes a gap of its library the suite also shows the gap in the raw library.
 *
 * The curve arithmetic is an independent BigInt reference (RFC 8032 §5.1 / §6, TEST-ONLY, in
 * hardware-mocks' edwards25519 shared with the fixture generator), used to derive the
 * small-order points, to construct signatures with a chosen R, and to predict what a
 * cofactorless byte-comparing verifier (tweetnacl, OpenSSL) answers.
 */
import { createPublicKey, verify as nodeCryptoVerify } from 'node:crypto';
import nacl from 'tweetnacl';
import { edwards25519, seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import { createNodeEd25519, nodeEd25519 } from '../node/ed25519Node.js';
import {
  type Ed25519,
  isAcceptablePublicKey,
  isCanonicalPointEncoding,
  isScalarBelowL,
  isSmallOrderEncoding,
  passesStrictPrechecks,
} from './ed25519.js';
import { tweetnaclEd25519 } from './ed25519Tweetnacl.js';

// ---------------------------------------------------------------------------------------------
// Byte helpers. Random inputs come from seededRandom, labelled per test (never Math.random).
// ---------------------------------------------------------------------------------------------

function hex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error(`bad hex: ${s}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const i = bit >> 3;
  out[i] = (out[i] ?? 0) ^ (1 << (bit & 7));
  return out;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------
// Reference edwards25519 arithmetic (BigInt, extended coordinates, RFC 8032 §5.1.4 / §6).
// ---------------------------------------------------------------------------------------------

const {
  P,
  L,
  mod,
  D,
  SQRT_M1,
  IDENTITY,
  add,
  neg,
  mul,
  equal,
  affine,
  onCurve,
  encode,
  pointFromY,
  decodeLenient,
  decodeStrict,
  smallOrder,
  BASE,
  sha512,
  secretScalar,
  challenge,
  equations,
  leToBigInt,
  bigIntToLe,
} = edwards25519;
type Point = edwards25519.Point;

/**
 * What a cofactorless verifier that decodes A leniently and compares the *encoding* of
 * [S]B − [k]A with the R bytes answers (tweetnacl and OpenSSL 3.0 both work this way).
 * `kA` lets callers supply [k]A cheaply for small-order A.
 */
function byteComparingVerifierAccepts(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const a = decodeLenient(publicKey);
  if (a === null || signature.length !== 64) return false;
  const rBytes = signature.subarray(0, 32);
  const s = leToBigInt(signature.subarray(32));
  const k = challenge(rBytes, publicKey, message);
  const order = smallOrder(a);
  const kA = order === null ? mul(k, a) : mul(k % 8n, a); // [k]A = [k mod 8]A when 8A = 0
  return toHex(encode(add(mul(s, BASE), neg(kA)))) === toHex(rBytes);
}

// ---------------------------------------------------------------------------------------------
// Raw libraries, without our strict checks.
// ---------------------------------------------------------------------------------------------

const SPKI_PREFIX = hex('302a300506032b6570032100');

function rawNodeVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
  return nodeCryptoVerify(null, message, key, signature);
}

function rawNaclVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return nacl.sign.detached.verify(message, signature, publicKey);
}

// ---------------------------------------------------------------------------------------------
// RFC 8032 §7.1 test vectors (typed in from the RFC; sign() must reproduce every signature).
// ---------------------------------------------------------------------------------------------

interface Vector {
  name: string;
  seed: string;
  publicKey: string;
  message: string;
  signature: string;
}

const RFC8032_VECTORS: readonly Vector[] = [
  {
    name: 'TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024',
    seed: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message:
      '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98' +
      'fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8' +
      '79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d' +
      '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc' +
      '1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe' +
      'ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e' +
      '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef' +
      'efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7' +
      'aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1' +
      '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2' +
      'd17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24' +
      '554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270' +
      '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc' +
      '2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07' +
      '07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba' +
      'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a' +
      'ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e' +
      'c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7' +
      '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c' +
      '42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8' +
      'ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df' +
      'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08' +
      'd78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649' +
      'de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4' +
      '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3' +
      '2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e' +
      '6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f' +
      'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5' +
      '0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1' +
      '369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d' +
      'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c' +
      '0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0',
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350' +
      'aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
  {
    name: 'TEST SHA(abc)',
    seed: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589' +
      '09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

function vector(name: string): { seed: Uint8Array; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array } {
  const v = RFC8032_VECTORS.find((x) => x.name === name);
  if (v === undefined) throw new Error(name);
  return { seed: hex(v.seed), publicKey: hex(v.publicKey), message: hex(v.message), signature: hex(v.signature) };
}

// ---------------------------------------------------------------------------------------------
// Constants for the strict rules.
// ---------------------------------------------------------------------------------------------

const L_BYTES = bigIntToLe(L);
const IDENTITY_BYTES = bigIntToLe(1n); // 01 00 … 00
const ZERO_32 = new Uint8Array(32);
const MAX_256 = new Uint8Array(32).fill(0xff);

/** libsodium's ge25519_has_small_order blocklist (compared there with bit 255 masked). */
const LIBSODIUM_BLOCKLIST: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0, order 4
  '0100000000000000000000000000000000000000000000000000000000000000', // 1, order 1
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p − 1, order 2
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p (≡ 0), order 4
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 (≡ 1), order 1
];

const withSignBit = (b: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(b);
  out[31] = (out[31] ?? 0) | 0x80;
  return out;
};
const withoutSignBit = (b: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(b);
  out[31] = (out[31] ?? 0) & 0x7f;
  return out;
};

/**
 * All points of order dividing 8, derived without the blocklist: for points P on the curve,
 * [L]P kills the prime-order component and leaves P's torsion component; the multiples of
 * those components are collected until all eight torsion points are found.
 */
function torsionByCofactorClearing(): Point[] {
  const found: Point[] = [];
  for (let y = 2n; found.length < 8 && y < 10_000n; y++) {
    const p = pointFromY(y, 0n);
    if (p === null) continue;
    const q = mul(L, p);
    let t = IDENTITY;
    for (let i = 0; i < 8; i++) {
      if (!found.some((f) => equal(f, t))) found.push(t);
      t = add(t, q);
    }
  }
  return found;
}

const TORSION = torsionByCofactorClearing();
const TORSION_ENCODINGS = TORSION.map(encode); // the 8 canonical encodings
/** Every small-order y with both sign bits: 5 y values × 2 = 10 encodings. */
const SMALL_ORDER_BOTH_SIGNS: readonly Uint8Array[] = [
  ...new Map(TORSION_ENCODINGS.map((e) => [toHex(withoutSignBit(e)), withoutSignBit(e)])).values(),
].flatMap((e) => [e, withSignBit(e)]);

/** y in [p, 2^255 − 1] with both sign bits (38), and x = 0 with the sign bit set (2). */
const NON_CANONICAL_KEYS: readonly Uint8Array[] = [
  ...Array.from({ length: 19 }, (_, k) => bigIntToLe(P + BigInt(k))).flatMap((e) => [e, withSignBit(e)]),
  withSignBit(bigIntToLe(1n)),
  withSignBit(bigIntToLe(P - 1n)),
];

/**
 * Every 32-byte string whose lenient decoding is a point of small order: the five small-order
 * y values and those y + p that still fit in 255 bits (y = 0, 1), each with both sign bits.
 * Derived from the torsion points found above, not from the blocklist: 5 × 2 + 2 × 2 = 14.
 */
const SMALL_ORDER_ANY_ENCODING: readonly Uint8Array[] = [
  ...new Set(TORSION.map((t) => affine(t).y)),
].flatMap((y) =>
  [y, y + P]
    .filter((v) => v < 2n ** 255n)
    .flatMap((v) => [bigIntToLe(v), withSignBit(bigIntToLe(v))]),
);

const ORDER_8_POINT: Point = TORSION.find((t) => smallOrder(t) === 8) ?? IDENTITY;

/**
 * A signer whose secret scalar is known, with its honest key A = [a]B and a mixed-order key
 * A + T (T of order 8). A mixed-order key is neither small-order nor non-canonical, so the
 * strict rules let it through; it is what lets R be any torsion point under the cofactorless
 * equation: with S = k·a, [S]B − [k](A + T) = −[k]T.
 */
const R_SIGNER = (() => {
  const seed = seededRandom('small-order-R/signer').bytes(32);
  const a = secretScalar(seed);
  const honest = mul(a, BASE);
  const mixed = add(honest, ORDER_8_POINT);
  return { seed, a, honest, honestKey: encode(honest), mixed, mixedKey: encode(mixed) };
})();

interface SmallOrderRSignature {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/**
 * A signature with these R bytes (any encoding of a small-order point) that satisfies the
 * cofactorless equation [S]B = R + [k]A once R is decoded leniently: under the honest key when
 * R is the identity, else under the mixed-order key for a message found by search (about 1 in 8).
 */
function signWithSmallOrderR(rBytes: Uint8Array): SmallOrderRSignature {
  const r = decodeLenient(rBytes);
  if (r === null || smallOrder(r) === null) throw new Error(`not a small-order encoding: ${toHex(rBytes)}`);
  const useHonest = equal(r, IDENTITY);
  const publicKey = useHonest ? R_SIGNER.honestKey : R_SIGNER.mixedKey;
  for (let i = 0; i < 1000; i++) {
    const message = utf8(`small-order R #${i}`);
    const k = challenge(rBytes, publicKey, message);
    if (useHonest || equal(neg(mul(k % 8n, ORDER_8_POINT)), r)) {
      return { publicKey, message, signature: concat(rBytes, bigIntToLe(mod(k * R_SIGNER.a, L))) };
    }
  }
  throw new Error(`no message found for R ${toHex(rBytes)}`);
}


const IMPLEMENTATIONS: readonly Ed25519[] = [tweetnaclEd25519, nodeEd25519];

function otherThan(ed: Ed25519): Ed25519 {
  const other = IMPLEMENTATIONS.find((i) => i !== ed);
  if (other === undefined) throw new Error('no other implementation');
  return other;
}

// ---------------------------------------------------------------------------------------------
// The reference arithmetic itself is checked first, so later derivations can be trusted.
// ---------------------------------------------------------------------------------------------

describe('reference edwards25519 arithmetic (test helper)', () => {
  it('has the RFC 8032 constants and a base point of order L', () => {
    expect(D).toBe(37095705934669439343138083508754565189542113879843219016388785533085940283555n);
    const { x, y } = affine(BASE);
    expect(x).toBe(15112221349535400772501151409588531511454012693041857206046113283949847762202n);
    expect(y).toBe(46316835694926478169428394003475163141307993866256225615783033603165251855960n);
    expect(onCurve(x, y)).toBe(true);
    expect(equal(mul(L, BASE), IDENTITY)).toBe(true);
    expect(toHex(encode(BASE))).toBe('5866666666666666666666666666666666666666666666666666666666666666');
    expect(toHex(L_BYTES)).toBe('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
  });

  it.each(RFC8032_VECTORS)('derives the $name public key as [a]B', (v) => {
    expect(toHex(encode(mul(secretScalar(hex(v.seed)), BASE)))).toBe(v.publicKey);
  });

  it.each(RFC8032_VECTORS)('predicts that the $name signature verifies', (v) => {
    expect(byteComparingVerifierAccepts(hex(v.publicKey), hex(v.message), hex(v.signature))).toBe(true);
    expect(byteComparingVerifierAccepts(hex(v.publicKey), hex(v.message), flipBit(hex(v.signature), 0))).toBe(false);
  });

  it('typed the RFC messages correctly (TEST 1024 is 1023 octets, SHA(abc) is SHA-512("abc"))', () => {
    expect(vector('TEST 1024').message.length).toBe(1023);
    expect(toHex(vector('TEST SHA(abc)').message)).toBe(toHex(sha512(utf8('abc'))));
  });
});

// ---------------------------------------------------------------------------------------------
// The suite both wrappers must pass.
// ---------------------------------------------------------------------------------------------

describe.each(IMPLEMENTATIONS)('Ed25519 wrapper: $name', (ed) => {
  const other = otherThan(ed);

  describe('RFC 8032 §7.1 test vectors', () => {
    it.each(RFC8032_VECTORS)('$name: public key, exact signature bytes, verify', (v) => {
      const seed = hex(v.seed);
      const message = hex(v.message);
      expect(toHex(ed.publicKeyFromSeed(seed))).toBe(v.publicKey);
      expect(toHex(ed.sign(seed, message))).toBe(v.signature);
      expect(ed.verify(hex(v.publicKey), message, hex(v.signature))).toBe(true);
      // and not under another vector's key or for another message
      const wrongKey = RFC8032_VECTORS.find((w) => w !== v)?.publicKey ?? '';
      expect(ed.verify(hex(wrongKey), message, hex(v.signature))).toBe(false);
      expect(ed.verify(hex(v.publicKey), concat(message, Uint8Array.of(0)), hex(v.signature))).toBe(false);
    });

    it('TEST 3: a flipped bit anywhere in message, signature or key fails', () => {
      // every bit under node:crypto; under the slow tweetnacl every message bit and one bit of
      // each signature and key byte (a different bit position in each byte)
      const { publicKey, message, signature } = vector('TEST 3');
      const every = ed !== tweetnaclEd25519;
      const pick = (bit: number): boolean => every || bit % 8 === (bit >> 3) % 8;
      expect(ed.verify(publicKey, message, signature)).toBe(true);
      for (let bit = 0; bit < message.length * 8; bit++) {
        expect(ed.verify(publicKey, flipBit(message, bit), signature), `message bit ${bit}`).toBe(false);
      }
      for (let bit = 0; bit < 512; bit++) {
        if (pick(bit)) expect(ed.verify(publicKey, message, flipBit(signature, bit)), `signature bit ${bit}`).toBe(false);
      }
      for (let bit = 0; bit < 256; bit++) {
        if (pick(bit)) expect(ed.verify(flipBit(publicKey, bit), message, signature), `key bit ${bit}`).toBe(false);
      }
    });

    it('accepts inputs that are views into larger buffers', () => {
      const { publicKey, message, signature } = vector('TEST 2');
      const big = concat(new Uint8Array(7), publicKey, signature, message, new Uint8Array(5));
      const pk = big.subarray(7, 39);
      const sig = big.subarray(39, 103);
      const msg = big.subarray(103, 104);
      expect(ed.verify(pk, msg, sig)).toBe(true);
      expect(ed.verify(big.subarray(6, 38), msg, sig)).toBe(false);
    });
  });

  describe(`cross-verification with ${other.name}`, () => {
    it(`200 random seeds and messages signed by ${ed.name} verify under ${other.name}; a flipped bit anywhere fails`, () => {
      // tweetnacl is ~100× slower than node:crypto, so each case flips one bit under each
      // verifier (rotating message / signature / key), plus all three under node:crypto
      const rng = seededRandom(`cross/${ed.name}`);
      for (let i = 0; i < 200; i++) {
        const seed = rng.bytes(32);
        const message = rng.bytes(i === 0 ? 0 : 1 + rng.int(300));
        const publicKey = ed.publicKeyFromSeed(seed);
        const signature = ed.sign(seed, message);
        expect(other.verify(publicKey, message, signature), `case ${i}`).toBe(true);
        if (ed === tweetnaclEd25519) {
          // same key and the same (deterministic) signature from both implementations
          expect(toHex(other.publicKeyFromSeed(seed)), `case ${i}`).toBe(toHex(publicKey));
          expect(toHex(other.sign(seed, message)), `case ${i}`).toBe(toHex(signature));
        }
        expect(ed.verify(publicKey, message, signature), `case ${i}`).toBe(true);
        const flips: { what: string; args: [Uint8Array, Uint8Array, Uint8Array] }[] = [];
        const sigBit = rng.int(512);
        const keyBit = rng.int(256);
        flips.push({ what: `signature bit ${sigBit}`, args: [publicKey, message, flipBit(signature, sigBit)] });
        flips.push({ what: `key bit ${keyBit}`, args: [flipBit(publicKey, keyBit), message, signature] });
        if (message.length > 0) {
          const bit = rng.int(message.length * 8);
          flips.push({ what: `message bit ${bit}`, args: [publicKey, flipBit(message, bit), signature] });
        }
        for (const { what, args } of flips) {
          expect(nodeEd25519.verify(...args), `case ${i}, ${what}`).toBe(false);
        }
        const one = flips[i % flips.length];
        if (one !== undefined) expect(tweetnaclEd25519.verify(...one.args), `case ${i}, ${one.what}`).toBe(false);
      }
    });
  });

  describe('malleability: S must be below L', () => {
    it('rejects (R, S + L) for valid signatures, which the raw tweetnacl verifier accepts', () => {
      const rng = seededRandom(`malleate/${ed.name}`);
      const cases = [vector('TEST 1'), vector('TEST 2'), vector('TEST 1024')];
      for (let i = 0; i < 10; i++) {
        const seed = rng.bytes(32);
        const message = rng.bytes(1 + rng.int(64));
        cases.push({ seed, message, publicKey: ed.publicKeyFromSeed(seed), signature: ed.sign(seed, message) });
      }
      for (const { publicKey, message, signature } of cases) {
        const s = leToBigInt(signature.subarray(32));
        expect(s < L).toBe(true);
        const malleated = concat(signature.subarray(0, 32), bigIntToLe(s + L)); // S + L < 2^254: fits
        expect(isScalarBelowL(malleated.subarray(32))).toBe(false);
        expect(ed.verify(publicKey, message, signature)).toBe(true);
        expect(ed.verify(publicKey, message, malleated)).toBe(false);
        expect(other.verify(publicKey, message, malleated)).toBe(false);
        // the gap our check closes: tweetnacl on its own accepts the malleated signature
        expect(rawNaclVerify(publicKey, message, malleated)).toBe(true);
        // OpenSSL 3.0 on its own already rejects it (checked on this machine)
        expect(rawNodeVerify(publicKey, message, malleated)).toBe(false);
      }
    });

    it('rejects S = L exactly, S = L + 1, S = 2^255 and S = 2^256 − 1', () => {
      const { publicKey, message, signature } = vector('TEST 2');
      const r = signature.subarray(0, 32);
      for (const s of [L_BYTES, bigIntToLe(L + 1n), bigIntToLe(2n ** 255n), MAX_256]) {
        expect(ed.verify(publicKey, message, concat(r, s))).toBe(false);
      }
    });
  });

  describe('non-canonical R', () => {
    // A valid signature whose R has y < 19 is constructed, so that y + p is a second encoding of
    // the same R: R = identity (y = 1) works with cofactorless verification when S = k·a mod L,
    // since then [S]B = [k]A = R + [k]A.
    const seed = seededRandom('noncanonical-R').bytes(32);
    const a = secretScalar(seed);
    const publicKey = encode(mul(a, BASE));
    const message = utf8('pay 1200 JPY to terminal 7');

    function signWithR(rBytes: Uint8Array): Uint8Array {
      const k = challenge(rBytes, publicKey, message);
      return concat(rBytes, bigIntToLe(mod(k * a, L)));
    }

    it('the construction: R = identity (canonical) satisfies the cofactorless equation; the raw libraries accept it, the wrapper refuses it (small-order R)', () => {
      expect(toHex(ed.publicKeyFromSeed(seed))).toBe(toHex(publicKey));
      const signature = signWithR(IDENTITY_BYTES);
      const k = challenge(IDENTITY_BYTES, publicKey, message);
      expect(equal(mul(leToBigInt(signature.subarray(32)), BASE), add(IDENTITY, mul(k, mul(a, BASE))))).toBe(true);
      expect(rawNaclVerify(publicKey, message, signature)).toBe(true);
      expect(rawNodeVerify(publicKey, message, signature)).toBe(true);
      // PROTOCOL.md "Strict Ed25519": a signature whose R is of small order is refused
      expect(ed.verify(publicKey, message, signature)).toBe(false);
      expect(ed.verify(publicKey, utf8('pay 9999 JPY to terminal 7'), signature)).toBe(false);
    });

    it.each([
      ['y = p + 1 (≡ 1)', bigIntToLe(P + 1n)],
      ['y = 1 with the sign bit set (x = 0)', withSignBit(IDENTITY_BYTES)],
      ['y = p + 1 with the sign bit set', withSignBit(bigIntToLe(P + 1n))],
    ])('rejects R encoded as %s, though it names the same point', (_label, rBytes) => {
      const signature = signWithR(rBytes);
      expect(isCanonicalPointEncoding(rBytes)).toBe(false);
      // the equation holds once R is decoded leniently: only the encoding is wrong
      const rPoint = decodeLenient(rBytes);
      expect(rPoint !== null && equal(rPoint, IDENTITY)).toBe(true);
      const k = challenge(rBytes, publicKey, message);
      const s = leToBigInt(signature.subarray(32));
      expect(equal(mul(s, BASE), add(rPoint ?? BASE, mul(k, mul(a, BASE))))).toBe(true);
      expect(ed.verify(publicKey, message, signature)).toBe(false);
      expect(passesStrictPrechecks(publicKey, signature)).toBe(false);
      // both raw libraries compare encodings, so they reject it on their own too (checked here)
      expect(rawNaclVerify(publicKey, message, signature)).toBe(false);
      expect(rawNodeVerify(publicKey, message, signature)).toBe(false);
    });

    it('rejects a valid signature whose R bytes are replaced by any encoding with y ≥ p', () => {
      const { publicKey: pk, message: msg, signature } = vector('TEST 3');
      for (let k = 0n; k < 19n; k++) {
        for (const r of [bigIntToLe(P + k), withSignBit(bigIntToLe(P + k))]) {
          expect(ed.verify(pk, msg, concat(r, signature.subarray(32)))).toBe(false);
        }
      }
    });
  });

  describe('small-order R (PROTOCOL.md: refused, whatever its encoding)', () => {
    it('the 14 encodings of small-order points are derived independently of the blocklist', () => {
      expect(SMALL_ORDER_ANY_ENCODING).toHaveLength(14);
      expect(new Set(SMALL_ORDER_ANY_ENCODING.map(toHex)).size).toBe(14);
      expect(SMALL_ORDER_ANY_ENCODING.filter(isCanonicalPointEncoding)).toHaveLength(8);
      const blocklist = LIBSODIUM_BLOCKLIST.flatMap((h) => [h, toHex(withSignBit(hex(h)))]).sort();
      expect(SMALL_ORDER_ANY_ENCODING.map(toHex).sort()).toEqual(blocklist);
    });

    it.each(SMALL_ORDER_ANY_ENCODING.map((e) => [toHex(e), e] as const))(
      'R = %s: the cofactorless equation holds, yet the signature is refused',
      (_label, rBytes) => {
        const { publicKey, message, signature } = signWithSmallOrderR(rBytes);
        expect(isAcceptablePublicKey(publicKey)).toBe(true); // the key is not what is refused
        expect(equations(publicKey, message, signature).cofactorless).toBe(true);
        // raw libraries compare encodings: they accept exactly the canonical small-order R
        const canonical = isCanonicalPointEncoding(rBytes);
        expect(byteComparingVerifierAccepts(publicKey, message, signature)).toBe(canonical);
        expect(rawNaclVerify(publicKey, message, signature)).toBe(canonical);
        expect(rawNodeVerify(publicKey, message, signature)).toBe(canonical);
        expect(passesStrictPrechecks(publicKey, signature)).toBe(false);
        expect(ed.verify(publicKey, message, signature)).toBe(false);
        expect(other.verify(publicKey, message, signature)).toBe(false);
      },
    );

    it('an honest signature under the same mixed-order key still verifies when [k]T = 0', () => {
      // R = [r]B, S = r + k·a: [S]B − [k](A + T) = R − [k]T, which is R when 8 divides k
      const r = mod(leToBigInt(sha512(utf8('nonce'))), L);
      const rBytes = encode(mul(r, BASE));
      for (let i = 0; i < 1000; i++) {
        const message = utf8(`mixed-order key #${i}`);
        const k = challenge(rBytes, R_SIGNER.mixedKey, message);
        if (k % 8n !== 0n) continue;
        const signature = concat(rBytes, bigIntToLe(mod(r + k * R_SIGNER.a, L)));
        expect(isSmallOrderEncoding(rBytes)).toBe(false);
        expect(ed.verify(R_SIGNER.mixedKey, message, signature)).toBe(true);
        return;
      }
      throw new Error('no message with 8 | k');
    });
  });

  describe('cofactorless verification (PROTOCOL.md: cofactored-only signatures are refused)', () => {
    const r = mod(leToBigInt(sha512(utf8('cofactored nonce'))), L);
    const message = utf8('pay 1200 JPY to terminal 7');

    it('R = [r]B + T (T of order 8), S = r + k·a under an honest key', () => {
      const rBytes = encode(add(mul(r, BASE), ORDER_8_POINT));
      const k = challenge(rBytes, R_SIGNER.honestKey, message);
      const signature = concat(rBytes, bigIntToLe(mod(r + k * R_SIGNER.a, L)));
      expect(equations(R_SIGNER.honestKey, message, signature)).toEqual({ cofactorless: false, cofactored: true });
      expect(passesStrictPrechecks(R_SIGNER.honestKey, signature)).toBe(true); // the equation decides
      expect(rawNaclVerify(R_SIGNER.honestKey, message, signature)).toBe(false);
      expect(rawNodeVerify(R_SIGNER.honestKey, message, signature)).toBe(false);
      expect(ed.verify(R_SIGNER.honestKey, message, signature)).toBe(false);
    });

    it('R = [r]B, S = r + k·a under the mixed-order key A + T, for k not a multiple of 8', () => {
      const rBytes = encode(mul(r, BASE));
      // the first of these messages whose k is not a multiple of 8 (7 in 8 messages qualify)
      const candidates = [message, ...Array.from({ length: 50 }, (_, i) => utf8(`cofactored #${i}`))];
      const m = candidates.find((c) => challenge(rBytes, R_SIGNER.mixedKey, c) % 8n !== 0n) ?? message;
      const k = challenge(rBytes, R_SIGNER.mixedKey, m);
      expect(k % 8n).not.toBe(0n);
      const signature = concat(rBytes, bigIntToLe(mod(r + k * R_SIGNER.a, L)));
      expect(equations(R_SIGNER.mixedKey, m, signature)).toEqual({ cofactorless: false, cofactored: true });
      expect(passesStrictPrechecks(R_SIGNER.mixedKey, signature)).toBe(true);
      expect(rawNaclVerify(R_SIGNER.mixedKey, m, signature)).toBe(false);
      expect(rawNodeVerify(R_SIGNER.mixedKey, m, signature)).toBe(false);
      expect(ed.verify(R_SIGNER.mixedKey, m, signature)).toBe(false);
    });
  });

  describe('small-order public keys', () => {
    const soRng = seededRandom('small-order');
    const messages = [new Uint8Array(0), utf8('a'), utf8('any message at all'), ...Array.from({ length: 5 }, (_, i) => soRng.bytes(10 + i))];
    const keys = [...SMALL_ORDER_BOTH_SIGNS, ...LIBSODIUM_BLOCKLIST.map(hex).flatMap((e) => [e, withSignBit(e)])];

    it('verifies nothing: R = identity, S = 0; R = the key itself, S = 0; R = any torsion point, S = 0', () => {
      expect(keys).toHaveLength(10 + 14);
      for (const publicKey of keys) {
        for (const message of messages) {
          const rs = [IDENTITY_BYTES, publicKey, ...TORSION_ENCODINGS];
          for (const r of rs) {
            expect(ed.verify(publicKey, message, concat(r, ZERO_32)), `key ${toHex(publicKey)} R ${toHex(r)}`).toBe(false);
          }
        }
      }
    });

    it('rejects exactly the forgeries the raw library accepts (searched for, and predicted by the reference)', () => {
      const raw = ed === tweetnaclEd25519 ? rawNaclVerify : rawNodeVerify;
      for (const publicKey of TORSION_ENCODINGS) {
        for (const r of [IDENTITY_BYTES, publicKey]) {
          // with S = 0 the raw verifier accepts when encode(−[k]A) = R, which for a key of
          // order n happens for about 1 message in n: search until two are found
          const forged = concat(r, ZERO_32);
          const accepted: number[] = [];
          let i = 0;
          for (; i < 1000 && (accepted.length < 2 || i < 8); i++) {
            const message = utf8(`forged message #${i}`);
            const predicted = byteComparingVerifierAccepts(publicKey, message, forged);
            expect(raw(publicKey, message, forged), `raw ${ed.name}, key ${toHex(publicKey)}, R ${toHex(r)}, #${i}`).toBe(predicted);
            if (predicted) accepted.push(i);
            expect(ed.verify(publicKey, message, forged)).toBe(false);
          }
          expect(accepted.length, `key ${toHex(publicKey)} R ${toHex(r)} after ${i} messages`).toBeGreaterThanOrEqual(2);
        }
      }
    });
  });

  describe('non-canonical public keys', () => {
    it('rejects y in [p, 2^255 − 1] (both sign bits) and x = 0 with the sign bit set', () => {
      const { message, signature } = vector('TEST 1');
      expect(NON_CANONICAL_KEYS).toHaveLength(40);
      for (const publicKey of NON_CANONICAL_KEYS) {
        for (const sig of [signature, concat(IDENTITY_BYTES, ZERO_32), concat(publicKey, ZERO_32)]) {
          for (const msg of [message, utf8('x'), utf8('another message')]) {
            expect(ed.verify(publicKey, msg, sig), toHex(publicKey)).toBe(false);
          }
        }
      }
    });

    it('closes the gap: the raw library accepts R = identity, S = 0 under non-canonical identity keys', () => {
      const raw = ed === tweetnaclEd25519 ? rawNaclVerify : rawNodeVerify;
      for (const publicKey of [bigIntToLe(P + 1n), withSignBit(bigIntToLe(P + 1n)), withSignBit(IDENTITY_BYTES)]) {
        for (const message of [new Uint8Array(0), utf8('anything')]) {
          const forged = concat(IDENTITY_BYTES, ZERO_32);
          expect(raw(publicKey, message, forged), toHex(publicKey)).toBe(true);
          expect(ed.verify(publicKey, message, forged)).toBe(false);
        }
      }
    });
  });

  describe('malformed input answers false and never throws', () => {
    const { publicKey, message, signature } = vector('TEST 2');

    it.each([0, 1, 31, 33, 64])('a %d-byte public key', (n) => {
      const key = n <= 32 ? publicKey.subarray(0, n) : concat(publicKey, new Uint8Array(n - 32));
      expect(() => ed.verify(key, message, signature)).not.toThrow();
      expect(ed.verify(key, message, signature)).toBe(false);
      expect(passesStrictPrechecks(key, signature)).toBe(false);
    });

    it.each([0, 1, 32, 63, 65, 128])('a %d-byte signature', (n) => {
      const sig = n <= 64 ? signature.subarray(0, n) : concat(signature, new Uint8Array(n - 64));
      expect(() => ed.verify(publicKey, message, sig)).not.toThrow();
      expect(ed.verify(publicKey, message, sig)).toBe(false);
      expect(passesStrictPrechecks(publicKey, sig)).toBe(false);
    });

    it('empty key, message and signature together', () => {
      expect(ed.verify(new Uint8Array(0), new Uint8Array(0), new Uint8Array(0))).toBe(false);
    });

    it('100 random 32-byte keys (mostly not on the curve) with random S < L signatures', () => {
      const rng = seededRandom(`garbage/${ed.name}`);
      for (let i = 0; i < 100; i++) {
        const key = rng.bytes(32);
        const sig = rng.bytes(64);
        sig[63] = (sig[63] ?? 0) & 0x0f; // S < 2^252 < L, so only the curve math can reject
        const r = sig.subarray(0, 32);
        r[31] = (r[31] ?? 0) & 0x3f; // canonical R
        expect(() => ed.verify(key, utf8('m'), sig)).not.toThrow();
        expect(ed.verify(key, utf8('m'), sig)).toBe(false);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The strict helpers.
// ---------------------------------------------------------------------------------------------

describe('isScalarBelowL', () => {
  it('boundaries: 0 and L − 1 are below, L, L + 1, 2^255 and 2^256 − 1 are not', () => {
    expect(isScalarBelowL(ZERO_32)).toBe(true);
    expect(isScalarBelowL(bigIntToLe(1n))).toBe(true);
    expect(isScalarBelowL(bigIntToLe(L - 1n))).toBe(true);
    expect(isScalarBelowL(bigIntToLe(2n ** 252n))).toBe(true);
    expect(isScalarBelowL(L_BYTES)).toBe(false);
    expect(isScalarBelowL(bigIntToLe(L + 1n))).toBe(false);
    expect(isScalarBelowL(bigIntToLe(2n ** 253n))).toBe(false);
    expect(isScalarBelowL(bigIntToLe(2n ** 255n))).toBe(false);
    expect(isScalarBelowL(MAX_256)).toBe(false);
  });

  it('agrees with BigInt comparison near L (each byte of L nudged by ±1) and at random', () => {
    const rng = seededRandom('scalar');
    const candidates: bigint[] = [];
    for (let i = 0; i < 32; i++) {
      for (const delta of [-1n, 1n]) candidates.push(L + delta * 256n ** BigInt(i));
    }
    for (let i = 0; i < 5000; i++) {
      const b = rng.bytes(32);
      if (i % 2 === 0) b[31] = 0x10; // same top byte as L: the comparison goes deeper
      if (i % 4 === 0) b.fill(0, 16, 31); // L's middle bytes are all zero
      candidates.push(leToBigInt(b));
    }
    for (const n of candidates) {
      if (n < 0n || n >= 2n ** 256n) continue;
      expect(isScalarBelowL(bigIntToLe(n)), n.toString(16)).toBe(n < L);
    }
  });
});

describe('isCanonicalPointEncoding', () => {
  it('accepts y < p with either sign bit, except x = 0 (y = 1, y = p − 1) with the sign bit', () => {
    for (const y of [0n, 2n, 18n, 2n ** 254n, P - 2n]) {
      expect(isCanonicalPointEncoding(bigIntToLe(y)), y.toString(16)).toBe(true);
      expect(isCanonicalPointEncoding(withSignBit(bigIntToLe(y))), y.toString(16)).toBe(true);
    }
    expect(isCanonicalPointEncoding(IDENTITY_BYTES)).toBe(true);
    expect(isCanonicalPointEncoding(bigIntToLe(P - 1n))).toBe(true);
    expect(isCanonicalPointEncoding(withSignBit(IDENTITY_BYTES))).toBe(false);
    expect(isCanonicalPointEncoding(withSignBit(bigIntToLe(P - 1n)))).toBe(false);
  });

  it('rejects every y in [p, 2^255 − 1] with both sign bits, and agrees with strict decoding', () => {
    for (const e of NON_CANONICAL_KEYS) {
      expect(isCanonicalPointEncoding(e), toHex(e)).toBe(false);
      expect(decodeStrict(e)).toBeNull();
    }
    // just below the boundary in every byte position
    for (let i = 0; i < 32; i++) {
      const y = P - 256n ** BigInt(i);
      expect(isCanonicalPointEncoding(bigIntToLe(y)), y.toString(16)).toBe(true);
    }
  });

  it('agrees with the RFC 8032 rule on 2,000 random encodings and on real public keys', () => {
    const rng = seededRandom('canonical');
    for (let i = 0; i < 2000; i++) {
      const b = rng.bytes(32);
      if (i % 2 === 0) b.fill(0xff, 1, 31); // near p
      const y = leToBigInt(b) & (2n ** 255n - 1n);
      const expected = y < P && !((y === 1n || y === P - 1n) && (b[31] ?? 0) >= 0x80);
      expect(isCanonicalPointEncoding(b), toHex(b)).toBe(expected);
    }
    for (const v of RFC8032_VECTORS) {
      expect(isCanonicalPointEncoding(hex(v.publicKey))).toBe(true);
      expect(isCanonicalPointEncoding(hex(v.signature).subarray(0, 32))).toBe(true);
    }
  });

  it('answers false for wrong lengths', () => {
    for (const n of [0, 31, 33, 64]) expect(isCanonicalPointEncoding(new Uint8Array(n))).toBe(false);
  });
});

describe('small-order points (derived here with BigInt arithmetic)', () => {
  it('cofactor clearing ([L]·P for points P on the curve) finds exactly 8 torsion points', () => {
    expect(TORSION).toHaveLength(8);
    const orders = TORSION.map(smallOrder).sort();
    expect(orders).toEqual([1, 2, 4, 4, 8, 8, 8, 8]);
    for (const t of TORSION) {
      const { x, y } = affine(t);
      expect(onCurve(x, y)).toBe(true);
      expect(decodeStrict(encode(t))).not.toBeNull();
    }
    expect(new Set(TORSION_ENCODINGS.map(toHex)).size).toBe(8);
  });

  it('every libsodium blocklist entry (both sign bits) names a point of order dividing 8', () => {
    for (const e of LIBSODIUM_BLOCKLIST.map(hex)) {
      for (const v of [e, withSignBit(e)]) {
        const point = decodeLenient(v);
        expect(point, toHex(v)).not.toBeNull();
        expect(smallOrder(point ?? BASE), toHex(v)).not.toBeNull();
      }
    }
  });

  it('the canonical blocklist entries are exactly the y values the cofactor clearing found', () => {
    const fromBlocklist = LIBSODIUM_BLOCKLIST.filter((h) => isCanonicalPointEncoding(hex(h))).sort();
    const fromTorsion = [...new Set(TORSION_ENCODINGS.map((e) => toHex(withoutSignBit(e))))].sort();
    expect(fromTorsion).toEqual(fromBlocklist);
    expect(fromTorsion).toHaveLength(5);
  });

  it('the 8-torsion also matches the analytic solution: (0, ±1), (±√−1, 0) and four points of order 8', () => {
    const analytic = [
      { X: 0n, Y: 1n },
      { X: 0n, Y: P - 1n },
      { X: SQRT_M1, Y: 0n },
      { X: P - SQRT_M1, Y: 0n },
    ];
    for (const { X, Y } of analytic) {
      expect(onCurve(X, Y)).toBe(true);
      expect(TORSION.some((t) => equal(t, { X, Y, Z: 1n, T: mod(X * Y) }))).toBe(true);
    }
    // order-8 points double to an order-4 point (±√−1, 0)
    const order8 = TORSION.filter((t) => smallOrder(t) === 8);
    expect(order8).toHaveLength(4);
    for (const t of order8) expect(affine(add(t, t)).y).toBe(0n);
  });

  it('isSmallOrderEncoding is true for all of them, with both sign bits', () => {
    expect(SMALL_ORDER_BOTH_SIGNS).toHaveLength(10);
    for (const e of [...TORSION_ENCODINGS, ...SMALL_ORDER_BOTH_SIGNS]) {
      expect(isSmallOrderEncoding(e), toHex(e)).toBe(true);
      expect(isAcceptablePublicKey(e), toHex(e)).toBe(false);
    }
  });

  it('the non-canonical blocklist entries (y = p, p + 1) are refused as public keys too', () => {
    for (const e of LIBSODIUM_BLOCKLIST.map(hex).filter((b) => !isCanonicalPointEncoding(b))) {
      for (const v of [e, withSignBit(e)]) {
        expect(isAcceptablePublicKey(v), toHex(v)).toBe(false);
        expect(isCanonicalPointEncoding(v), toHex(v)).toBe(false);
      }
    }
  });

  it('isSmallOrderEncoding is false, and isAcceptablePublicKey true, for 1,000 ordinary public keys', () => {
    const rng = seededRandom('ordinary');
    for (let i = 0; i < 1000; i++) {
      const publicKey = nodeEd25519.publicKeyFromSeed(rng.bytes(32));
      expect(isSmallOrderEncoding(publicKey), toHex(publicKey)).toBe(false);
      expect(isAcceptablePublicKey(publicKey), toHex(publicKey)).toBe(true);
      if (i < 10) {
        // and they really are of prime order L
        const point = decodeStrict(publicKey);
        expect(point).not.toBeNull();
        expect(smallOrder(point ?? IDENTITY)).toBeNull();
        expect(equal(mul(L, point ?? IDENTITY), IDENTITY)).toBe(true);
      }
    }
  });

  it('isSmallOrderEncoding is true exactly for encodings whose lenient decoding has small order', () => {
    for (const e of SMALL_ORDER_ANY_ENCODING) {
      expect(isSmallOrderEncoding(e), toHex(e)).toBe(true);
      // neighbours in the low byte are not small-order
      for (const d of [-1, 1]) {
        const n = Uint8Array.from(e);
        n[0] = ((n[0] ?? 0) + d) & 0xff;
        if (SMALL_ORDER_ANY_ENCODING.some((s) => toHex(s) === toHex(n))) continue;
        const point = decodeLenient(n);
        expect(point === null || smallOrder(point) === null, toHex(n)).toBe(true);
        expect(isSmallOrderEncoding(n), toHex(n)).toBe(false);
      }
    }
    const rng = seededRandom('small-order-encoding');
    for (let i = 0; i < 300; i++) {
      const b = rng.bytes(32);
      if (i % 3 === 0) b.fill(0xff, 1, 31); // near p
      const point = decodeLenient(b);
      expect(isSmallOrderEncoding(b), toHex(b)).toBe(point !== null && smallOrder(point) !== null);
    }
  });

  it('passesStrictPrechecks refuses every small-order R, canonical or not, with any S < L', () => {
    const { publicKey, signature } = vector('TEST 1');
    expect(passesStrictPrechecks(publicKey, signature)).toBe(true);
    for (const r of SMALL_ORDER_ANY_ENCODING) {
      for (const s of [signature.subarray(32), ZERO_32, bigIntToLe(L - 1n)]) {
        expect(passesStrictPrechecks(publicKey, concat(r, s)), toHex(r)).toBe(false);
      }
    }
  });

  it('answers false for wrong lengths', () => {
    expect(isSmallOrderEncoding(new Uint8Array(0))).toBe(false);
    expect(isSmallOrderEncoding(IDENTITY_BYTES.subarray(0, 31))).toBe(false);
    expect(isSmallOrderEncoding(concat(IDENTITY_BYTES, new Uint8Array(1)))).toBe(false);
  });
});

describe('isAcceptablePublicKey', () => {
  it('refuses every non-canonical encoding', () => {
    for (const e of NON_CANONICAL_KEYS) expect(isAcceptablePublicKey(e), toHex(e)).toBe(false);
  });

  it('accepts the RFC 8032 public keys and refuses wrong lengths', () => {
    for (const v of RFC8032_VECTORS) expect(isAcceptablePublicKey(hex(v.publicKey))).toBe(true);
    for (const n of [0, 31, 33]) expect(isAcceptablePublicKey(new Uint8Array(n).fill(9))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The gaps in the raw libraries that the wrappers close, as observed on this machine.
// ---------------------------------------------------------------------------------------------

describe('raw library behaviour on this machine (why the wrappers check for themselves)', () => {
  const identityForgery = concat(IDENTITY_BYTES, ZERO_32);

  it('node:crypto (OpenSSL) accepts R = identity, S = 0 for every message under the identity key', () => {
    const spki = Buffer.from(concat(SPKI_PREFIX, IDENTITY_BYTES));
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    for (const message of [new Uint8Array(0), utf8('pay 1,000,000 JPY'), seededRandom('raw').bytes(1000)]) {
      expect(nodeCryptoVerify(null, message, key, identityForgery)).toBe(true);
      expect(nodeEd25519.verify(IDENTITY_BYTES, message, identityForgery)).toBe(false);
    }
  });

  it('tweetnacl accepts R = identity, S = 0 under the identity key as well', () => {
    for (const message of [new Uint8Array(0), utf8('pay 1,000,000 JPY')]) {
      expect(nacl.sign.detached.verify(message, identityForgery, IDENTITY_BYTES)).toBe(true);
      expect(tweetnaclEd25519.verify(IDENTITY_BYTES, message, identityForgery)).toBe(false);
    }
  });

  it('tweetnacl accepts S + L; OpenSSL rejects it', () => {
    const { publicKey, message, signature } = vector('TEST 1');
    const malleated = concat(signature.subarray(0, 32), bigIntToLe(leToBigInt(signature.subarray(32)) + L));
    expect(nacl.sign.detached.verify(message, malleated, publicKey)).toBe(true);
    expect(rawNodeVerify(publicKey, message, malleated)).toBe(false);
  });
});

describe('createNodeEd25519 key cache', () => {
  it('keeps answering correctly after the bounded cache has evicted entries', () => {
    const ed = createNodeEd25519();
    const { publicKey, message, signature } = vector('TEST 1');
    expect(ed.verify(publicKey, message, signature)).toBe(true);
    const rng = seededRandom('cache');
    const seed = rng.bytes(32);
    const otherKey = ed.publicKeyFromSeed(seed);
    const otherSig = ed.sign(seed, message);
    for (let i = 0; i < 5000; i++) {
      const key = rng.bytes(32);
      key[31] = (key[31] ?? 0) & 0x3f;
      expect(ed.verify(key, message, signature)).toBe(false);
    }
    expect(ed.verify(publicKey, message, signature)).toBe(true);
    expect(ed.verify(otherKey, message, otherSig)).toBe(true);
    expect(ed.verify(otherKey, message, signature)).toBe(false);
  });
});
