import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isMoney, parseMoney } from './money.js';

/** A positive amount as a JSON number or decimal string, with at most 2 fraction digits. */
export function IsMoneyAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMoneyAmount',
      validator: {
        validate: (value: unknown) => isMoney(value) && parseMoney(value) > 0n,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a positive amount with at most 2 decimals, e.g. "19.99"`,
      },
    },
    options,
  );
}

/** The largest amount a `NUMERIC(14,2)` column holds, in cents. */
const MAX_TOTAL_CENTS = 99_999_999_999_999n;

/** Lines whose total (price × quantity, summed) fits the stored amount; bad lines are left to their own rules. */
export function IsPayableTotal(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPayableTotal',
      validator: {
        validate: (lines: unknown) => {
          if (!Array.isArray(lines)) return true;
          let total = 0n;
          for (const line of lines as { price?: unknown; quantity?: unknown }[]) {
            if (!isMoney(line?.price) || !Number.isSafeInteger(line?.quantity)) return true;
            total += parseMoney(line.price) * BigInt(line.quantity as number);
          }
          return total <= MAX_TOTAL_CENTS;
        },
        defaultMessage: (args) => `${args?.property ?? 'value'} must total at most 999999999999.99`,
      },
    },
    options,
  );
}
