import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits } from './money.js';

describe('formatMoney', () => {
  it('shows yen with no decimals and grouped thousands', () => {
    expect(formatMoney(1200, 392, 'en')).toBe('¥1,200');
    expect(formatMoney(1, 392, 'en')).toBe('¥1');
    expect(formatMoney(1_234_567, 392, 'en')).toBe('¥1,234,567');
    expect(formatMoney(1200, 392, 'ja')).toMatch(/^[¥￥]1,200$/);
  });

  it('shows other currencies by their minor units', () => {
    expect(minorDigits(392)).toBe(0);
    expect(minorDigits(840)).toBe(2);
    expect(minorDigits(48)).toBe(3);
    expect(formatMoney(1250, 840, 'en')).toBe('$12.50');
    expect(formatMoney(5, 840, 'en')).toBe('$0.05');
    expect(formatMoney(1234, 48, 'en')).toMatch(/1\.234$/);
    expect(formatMoney(199, 978, 'en')).toBe('€1.99');
  });

  it('shows an unknown currency as its minor units and numeric code', () => {
    expect(formatMoney(1200, 999, 'en')).toBe('1,200 (999)');
    expect(formatMoney(5, 8, 'en')).toBe('5 (008)');
  });
});
