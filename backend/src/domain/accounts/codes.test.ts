import { seededRandom } from '@tegata/hardware-mocks';
import { describe, expect, it } from 'vitest';
import { generateCode } from './codes.js';

describe('one-time codes', () => {
  it('are 6 digits, uniformly distributed over every position', () => {
    const random = seededRandom('codes');
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const code = generateCode(random);
      expect(code).toMatch(/^[0-9]{6}$/);
      [...code].forEach((digit, position) => counts[position]![Number(digit)]!++);
    }
    // Each digit appears n/10 = 2000 times per position; 5 standard deviations is ±212.
    for (const position of counts) for (const count of position) expect(Math.abs(count - n / 10)).toBeLessThan(212);
  });

  it('draws again instead of favouring low codes', () => {
    // 0xffffffff is above the largest multiple of 10^6 below 2^32: it must be rejected.
    const bytes = [
      [0xff, 0xff, 0xff, 0xff],
      [0x00, 0x00, 0x00, 0x2a],
    ];
    let call = 0;
    expect(generateCode({ bytes: () => Uint8Array.from(bytes[call++]!) })).toBe('000042');
    expect(call).toBe(2);
  });
});
