import { ValidateBy, type ValidationOptions } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids stored as `uuid`: anything else cannot exist, so lookups answer "not found" without asking. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An id stored as `uuid`: anything else is refused as input (400 / INVALID_ARGUMENT), before a lookup. */
export function IsUuid(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUuid',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isUuid(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a UUID`,
      },
    },
    options,
  );
}
