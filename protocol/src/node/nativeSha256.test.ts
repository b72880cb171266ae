import { describe, expect, it } from 'vitest';
import { seededRandom } from '@tegata/hardware-mocks';
import { portableSha256, sha256, sha256ImplementationName } from '../sha256.js';
import { portableUtf8Encode, utf8Encode } from '../bytes.js';
import './index.js';

describe('platform fast paths', () => {
  const random = seededRandom('fast paths');

  it('node:crypto SHA-256 installed by @tegata/protocol/node gives the portable bytes', () => {
    expect(sha256ImplementationName()).toBe('node:crypto');
    for (let i = 0; i < 300; i++) {
      const data = random.bytes(random.int(2000));
      expect(sha256(data)).toEqual(portableSha256(data));
    }
  });

  it('TextEncoder gives the portable UTF-8, lone surrogates included', () => {
    const alphabet = ['a', 'é', 'あ', '😀', '\ud800', '\udfff', '"', '\u0000'];
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: random.int(40) }, () => random.pick(alphabet)).join('');
      expect(utf8Encode(text)).toEqual(portableUtf8Encode(text));
    }
  });
});
