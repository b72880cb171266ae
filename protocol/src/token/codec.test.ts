/**
 * Byte layouts of PROTOCOL.md §2 (certificate, 128 bytes) and §3 (token, 204 bytes): every
 * field at its offset, big-endian, the signing inputs, parse ∘ build, and the encoder's
 * refusals. Field values are distinctive so a field written one byte off cannot go unnoticed.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeEd25519 } from '../node/ed25519Node.js';
import { tweetnaclEd25519 } from '../crypto/ed25519Tweetnacl.js';
import { kid, kidBytes } from '../crypto/kid.js';
import {
  CERT_LENGTH,
  certificateSigningInput,
  encodeCertificateBody,
  parseCertificate,
  signCertificate,
  type CertificateFields,
} from './certificate.js';
import { encodeTokenBody, parseToken, signToken, TOKEN_LENGTH, tokenSigningInput, type TokenFields } from './paymentToken.js';

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

function hexBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'ascii'));
}

const issuerSeed = seed(0x11);
const deviceSeed = seed(0x22);
const issuerPublicKey = nodeEd25519.publicKeyFromSeed(issuerSeed);

/** A stand-in device key whose bytes show their own offsets (0x80..0x9f). */
const markerKey = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);

const certFields: CertificateFields = {
  issuerKid: 'a1b2c3d4',
  deviceId: '0011223344556677',
  devicePublicKey: markerKey,
  notBefore: 0x01020304,
  notAfter: 0x05060708,
  currency: 0x090a,
  perPaymentLimit: 0x0b0c0d0e,
  cumulativeLimit: 0x0f101112,
};

describe('device certificate layout (§2)', () => {
  const cert = signCertificate(nodeEd25519, issuerSeed, certFields);

  it('is 128 bytes with every field at its offset, big-endian', () => {
    expect(cert.length).toBe(128);
    expect(CERT_LENGTH).toBe(128);
    expect(cert[0]).toBe(0x01);
    expect(cert[1]).toBe(0x43);
    expect(cert[1]).toBe('C'.charCodeAt(0));
    expect(cert.subarray(2, 6)).toEqual(hexBytes('a1b2c3d4'));
    expect(cert.subarray(6, 14)).toEqual(hexBytes('0011223344556677'));
    expect(cert.subarray(14, 46)).toEqual(markerKey);
    expect(cert.subarray(46, 50)).toEqual(Uint8Array.from([0x01, 0x02, 0x03, 0x04]));
    expect(cert.subarray(50, 54)).toEqual(Uint8Array.from([0x05, 0x06, 0x07, 0x08]));
    expect(cert.subarray(54, 56)).toEqual(Uint8Array.from([0x09, 0x0a]));
    expect(cert.subarray(56, 60)).toEqual(Uint8Array.from([0x0b, 0x0c, 0x0d, 0x0e]));
    expect(cert.subarray(60, 64)).toEqual(Uint8Array.from([0x0f, 0x10, 0x11, 0x12]));
  });

  it('the body is the first 64 bytes and the issuer signature the last 64', () => {
    const body = encodeCertificateBody(certFields);
    expect(body.length).toBe(64);
    expect(cert.subarray(0, 64)).toEqual(body);
    const signature = cert.subarray(64, 128);
    const input = certificateSigningInput(cert);
    expect(nodeEd25519.verify(issuerPublicKey, input, signature)).toBe(true);
    expect(tweetnaclEd25519.verify(issuerPublicKey, input, signature)).toBe(true);
  });

  it('signs exactly "tegata/cert/v1" ‖ bytes[0..64)', () => {
    const expected = new Uint8Array([...ascii('tegata/cert/v1'), ...cert.subarray(0, 64)]);
    expect(certificateSigningInput(cert)).toEqual(expected);
    expect(certificateSigningInput(cert.subarray(0, 64))).toEqual(expected);
    expect(certificateSigningInput(cert).length).toBe(14 + 64);
    // Ed25519 is deterministic: the signature is the one over that exact message.
    expect(cert.subarray(64)).toEqual(nodeEd25519.sign(issuerSeed, expected));
  });

  it('parses back to the fields it was built from', () => {
    const parsed = parseCertificate(cert);
    expect(parsed).toEqual({
      ...certFields,
      version: 0x01,
      type: 0x43,
      signature: cert.slice(64),
      bytes: cert,
    });
  });

  it('round-trips the extreme integer values', () => {
    for (const value of [0, 0xffffffff, 0x80000000]) {
      const fields: CertificateFields = {
        ...certFields,
        notBefore: value,
        notAfter: value,
        perPaymentLimit: value,
        cumulativeLimit: value,
        currency: value === 0 ? 0 : 0xffff,
      };
      const { version: _version, type: _type, signature: _signature, bytes: _bytes, ...read } = parseCertificate(
        signCertificate(tweetnaclEd25519, issuerSeed, fields),
      );
      expect(read).toEqual(fields);
    }
  });

  const bad: readonly (readonly [string, Partial<CertificateFields>])[] = [
    ['an uppercase kid', { issuerKid: 'A1B2C3D4' }],
    ['a 7-character kid', { issuerKid: 'a1b2c3d' }],
    ['a 9-character kid', { issuerKid: 'a1b2c3d4e' }],
    ['a 6-character kid', { issuerKid: 'a1b2c3' }],
    ['a 10-character kid', { issuerKid: 'a1b2c3d4e5' }],
    ['a non-hex kid', { issuerKid: 'a1b2c3dg' }],
    ['an empty kid', { issuerKid: '' }],
    ['an uppercase device id', { deviceId: 'AABBCCDDEEFF0011' }],
    ['a 14-character device id', { deviceId: '00112233445566' }],
    ['a 15-character device id', { deviceId: '001122334455667' }],
    ['an 18-character device id', { deviceId: '001122334455667788' }],
    ['a non-hex device id', { deviceId: '001122334455667z' }],
    ['a 31-byte device key', { devicePublicKey: new Uint8Array(31) }],
    ['a 33-byte device key', { devicePublicKey: new Uint8Array(33) }],
    ['an empty device key', { devicePublicKey: new Uint8Array(0) }],
    ['notBefore −1', { notBefore: -1 }],
    ['notBefore 2^32', { notBefore: 2 ** 32 }],
    ['notBefore 1.5', { notBefore: 1.5 }],
    ['notBefore NaN', { notBefore: Number.NaN }],
    ['notAfter 2^32', { notAfter: 2 ** 32 }],
    ['notAfter −1', { notAfter: -1 }],
    ['currency 65536', { currency: 0x10000 }],
    ['currency −1', { currency: -1 }],
    ['currency 392.5', { currency: 392.5 }],
    ['perPaymentLimit 2^32', { perPaymentLimit: 2 ** 32 }],
    ['perPaymentLimit −1', { perPaymentLimit: -1 }],
    ['cumulativeLimit 2^32', { cumulativeLimit: 2 ** 32 }],
    ['cumulativeLimit Infinity', { cumulativeLimit: Number.POSITIVE_INFINITY }],
  ];

  it.each(bad)('encodeCertificateBody refuses %s with a RangeError', (_name, change) => {
    expect(() => encodeCertificateBody({ ...certFields, ...change })).toThrow(RangeError);
    expect(() => signCertificate(nodeEd25519, issuerSeed, { ...certFields, ...change })).toThrow(RangeError);
  });

  it('parseCertificate refuses any length but 128', () => {
    for (const length of [0, 64, 127, 129, 204]) {
      expect(() => parseCertificate(new Uint8Array(length))).toThrow(RangeError);
    }
  });
});

describe('payment token layout (§3)', () => {
  const devicePublicKey = nodeEd25519.publicKeyFromSeed(deviceSeed);
  const cert = signCertificate(nodeEd25519, issuerSeed, { ...certFields, devicePublicKey });
  const tokenFields: TokenFields = { certificate: cert, issuedAt: 0x21222324, counter: 0x25262728, ttl: 0x292a };
  const token = signToken(nodeEd25519, deviceSeed, tokenFields);

  it('is 204 bytes with every field at its offset, big-endian', () => {
    expect(token.length).toBe(204);
    expect(TOKEN_LENGTH).toBe(204);
    expect(token[0]).toBe(0x01);
    expect(token[1]).toBe(0x50);
    expect(token[1]).toBe('P'.charCodeAt(0));
    expect(token.subarray(2, 130)).toEqual(cert);
    expect(token.subarray(130, 134)).toEqual(Uint8Array.from([0x21, 0x22, 0x23, 0x24]));
    expect(token.subarray(134, 138)).toEqual(Uint8Array.from([0x25, 0x26, 0x27, 0x28]));
    expect(token.subarray(138, 140)).toEqual(Uint8Array.from([0x29, 0x2a]));
  });

  it('signs exactly "tegata/pay/v1" ‖ bytes[0..140)', () => {
    const expected = new Uint8Array([...ascii('tegata/pay/v1'), ...token.subarray(0, 140)]);
    expect(tokenSigningInput(token)).toEqual(expected);
    expect(tokenSigningInput(token.subarray(0, 140))).toEqual(expected);
    expect(tokenSigningInput(token).length).toBe(13 + 140);
    expect(encodeTokenBody(tokenFields)).toEqual(token.subarray(0, 140));
    expect(token.subarray(140)).toEqual(nodeEd25519.sign(deviceSeed, expected));
    expect(tweetnaclEd25519.verify(devicePublicKey, expected, token.subarray(140))).toBe(true);
  });

  it('the two signing prefixes keep a certificate signature from verifying as a token signature', () => {
    expect(nodeEd25519.verify(issuerPublicKey, tokenSigningInput(token), cert.subarray(64))).toBe(false);
  });

  it('parses back to the fields it was built from, certificate included', () => {
    const parsed = parseToken(token);
    expect(parsed.version).toBe(0x01);
    expect(parsed.type).toBe(0x50);
    expect(parsed.issuedAt).toBe(0x21222324);
    expect(parsed.counter).toBe(0x25262728);
    expect(parsed.ttl).toBe(0x292a);
    expect(parsed.signature).toEqual(token.slice(140));
    expect(parsed.bytes).toEqual(token);
    expect(parsed.certificate.bytes).toEqual(cert);
    expect(parsed.certificate.devicePublicKey).toEqual(devicePublicKey);
    expect(parsed.certificate.notBefore).toBe(0x01020304);
    expect(parsed.certificate.cumulativeLimit).toBe(0x0f101112);
  });

  it('round-trips the extreme integer values', () => {
    for (const [issuedAt, counter, ttl] of [
      [0, 0, 0],
      [0xffffffff, 0xffffffff, 0xffff],
      [0x80000000, 0x80000000, 0x8000],
    ] as const) {
      const parsed = parseToken(signToken(tweetnaclEd25519, deviceSeed, { certificate: cert, issuedAt, counter, ttl }));
      expect([parsed.issuedAt, parsed.counter, parsed.ttl]).toEqual([issuedAt, counter, ttl]);
    }
  });

  const bad: readonly (readonly [string, Partial<TokenFields>])[] = [
    ['a 127-byte certificate', { certificate: new Uint8Array(127) }],
    ['a 129-byte certificate', { certificate: new Uint8Array(129) }],
    ['a 64-byte certificate body', { certificate: new Uint8Array(64) }],
    ['issuedAt 2^32', { issuedAt: 2 ** 32 }],
    ['issuedAt −1', { issuedAt: -1 }],
    ['counter 2^32', { counter: 2 ** 32 }],
    ['counter 0.5', { counter: 0.5 }],
    ['ttl 65536', { ttl: 0x10000 }],
    ['ttl −1', { ttl: -1 }],
    ['ttl NaN', { ttl: Number.NaN }],
  ];

  it.each(bad)('encodeTokenBody refuses %s with a RangeError', (_name, change) => {
    expect(() => encodeTokenBody({ ...tokenFields, ...change })).toThrow(RangeError);
  });

  it('parseToken refuses any length but 204', () => {
    for (const length of [0, 128, 140, 203, 205]) {
      expect(() => parseToken(new Uint8Array(length))).toThrow(RangeError);
    }
  });
});

describe('kid (§1)', () => {
  it('is the first 4 bytes of SHA-256 of the public key, as lowercase hex', () => {
    for (let i = 0; i < 64; i++) {
      const publicKey = nodeEd25519.publicKeyFromSeed(seed(i));
      const digest = createHash('sha256').update(publicKey).digest();
      expect(kid(publicKey)).toBe(digest.subarray(0, 4).toString('hex'));
      expect(kidBytes(publicKey)).toEqual(new Uint8Array(digest.subarray(0, 4)));
      expect(kid(publicKey)).toMatch(/^[0-9a-f]{8}$/);
    }
  });

  it('hashes the raw bytes it is given (no length check of its own)', () => {
    const zero = new Uint8Array(32);
    expect(kid(zero)).toBe(createHash('sha256').update(zero).digest('hex').slice(0, 8));
  });
});
