/**
 * Money is exact: amounts travel as decimal strings ("59.97") and are computed as integer
 * cents in `bigint`. A float never holds an amount.
 */
const DECIMAL = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/** True for a non-negative decimal string or number with at most 2 fraction digits. */
export function isMoney(value: unknown): value is string | number {
  if (typeof value === 'number') return Number.isFinite(value) && DECIMAL.test(String(value));
  return typeof value === 'string' && DECIMAL.test(value);
}

/** "19.9" → 1990n. A JSON number is read through its shortest decimal form (19.99 → "19.99"). */
export function parseMoney(value: string | number): bigint {
  if (!isMoney(value)) throw new RangeError(`Not an amount of money: ${String(value)}`);
  const [whole, fraction = ''] = String(value).split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** 1990n → "19.90". */
export function formatMoney(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
