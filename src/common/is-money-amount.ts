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
