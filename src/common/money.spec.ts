import { describe, expect, it } from '@jest/globals';
import { formatMoney, isMoney, parseMoney } from './money.js';

describe('money', () => {
  it('parses decimal strings and JSON numbers exactly', () => {
    expect(parseMoney('19.99')).toBe(1999n);
    expect(parseMoney(19.99)).toBe(1999n);
    expect(parseMoney('0.1')).toBe(10n);
    expect(parseMoney(7)).toBe(700n);
    expect(parseMoney('500.00')).toBe(50000n);
  });

  it('adds without float error: 0.1 + 0.2 is 0.30', () => {
    expect(formatMoney(parseMoney(0.1) + parseMoney(0.2))).toBe('0.30');
    expect(formatMoney(3n * parseMoney('19.99'))).toBe('59.97');
  });

  it('rejects more than 2 fraction digits, signs, exponents and junk', () => {
    for (const bad of ['1.999', 1.999, '-1', -1, '1e3', 1e21, '', ' 1', '01', 'abc', NaN, Infinity, '1.', null, {}]) {
      expect(isMoney(bad)).toBe(false);
    }
    expect(() => parseMoney('1.999')).toThrow(RangeError);
  });

  it('formats negative and small amounts', () => {
    expect(formatMoney(5n)).toBe('0.05');
    expect(formatMoney(-1250n)).toBe('-12.50');
    expect(formatMoney(0n)).toBe('0.00');
  });
});
