import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * How deep a request value may nest (an object or array counts one level). The deepest DTO
 * (an order: body → items → item → field) needs 3; anything much deeper is refused before
 * class-transformer, which recurses once per level and overflows its stack on a deep array.
 */
export const MAX_INPUT_DEPTH = 8;

/** The one shape of a refused request, on both transports (gRPC maps it to INVALID_ARGUMENT). */
export function validationFailed(errors: FieldError[]): BadRequestException {
  const message = `Validation failed: ${errors.flatMap((f) => f.messages).join('; ')}`;
  return new BadRequestException({ code: 'VALIDATION_FAILED', message, errors });
}

/**
 * The global pipe for every body, query, path parameter and gRPC payload. Before the value is
 * turned into its DTO it must be safe to look at: nested no deeper than `MAX_INPUT_DEPTH`, no NUL
 * character in any string or key (PostgreSQL refuses NUL in text), a JSON object where a DTO is
 * expected. Then class-validator: unknown fields refused, one message per bad field.
 */
export class InputPipe extends ValidationPipe {
  /** `within`: the path of a value nested in a request (`payload`), to name its fields by (see `validateWithin`). */
  constructor(private readonly within = '') {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: true }, // the value tells "missing" from "wrong"; it is never echoed
      exceptionFactory: (errors) => validationFailed(flatten(errors, within)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const whole = this.within || (metadata.type === 'body' ? 'body' : metadata.type); // how to name the value itself
    if (!metadata.data && isDtoClass(metadata.metatype) && !isPlainObject(value)) {
      throw validationFailed([{ field: whole, messages: [`${whole} must be a JSON object`] }]);
    }
    const unsafe = findUnsafe(value, metadata.data ?? this.within, whole);
    if (unsafe) throw validationFailed([unsafe]);
    return super.transform(value, metadata);
  }
}

/** The global pipe: see `InputPipe`. */
export function validationPipe(): InputPipe {
  return new InputPipe();
}

/**
 * Checks a value nested in a request whose DTO depends on the rest of it (a saga's `payload`, by
 * its `sagaType`) exactly as the global pipe checks a body; its fields are named from `path`
 * (`payload.items.0.quantity`). Returns the DTO instance, or throws the same 400.
 */
export async function validateWithin<T extends object>(path: string, metatype: new () => T, value: unknown): Promise<T> {
  return (await new InputPipe(path).transform(value, { type: 'body', metatype })) as T;
}

/** The first value too deep or holding a NUL, walked without recursion (the value may be hostile). */
function findUnsafe(value: unknown, root: string, whole: string): FieldError | null {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    const field = path || whole;
    if (typeof v === 'string' && v.includes('\u0000')) return { field, messages: [`${field} must not contain a NUL character`] };
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return { field, messages: [`${field} is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`] };
    for (const [key, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: childPath, messages: [`${childPath} must not contain a NUL character`] };
      stack.push([child, childPath, depth + 1]);
    }
  }
  return null;
}

function isDtoClass(metatype: unknown): boolean {
  return typeof metatype === 'function' && ![String, Number, Boolean, Array, Object].includes(metatype as never);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One message per bad field, named by its path ("items.0.quantity"): the first rule it breaks. */
function flatten(errors: ValidationError[], within = ''): FieldError[] {
  const byField = new Map<string, FieldError>();
  const walk = (list: ValidationError[], prefix: string) => {
    for (const e of list) {
      const field = prefix ? `${prefix}.${e.property}` : e.property;
      const mistake = e.constraints && firstMistake(e, field, e.constraints);
      if (mistake && !byField.has(mistake.field)) byField.set(mistake.field, mistake);
      walk(e.children ?? [], field);
    }
  };
  walk(errors, within);
  return [...byField.values()];
}

function firstMistake(e: ValidationError, field: string, constraints: Record<string, string>): FieldError {
  if (constraints.whitelistValidation) return { field, messages: [`${field} is not an accepted field`] };
  if (e.value === undefined || e.value === null) return { field, messages: [`${field} is required`] };
  // An array of objects with an element that is not one: name the element.
  if (constraints.isObject && Array.isArray(e.value)) {
    const index = e.value.findIndex((item) => !isPlainObject(item));
    if (index >= 0) return { field: `${field}.${index}`, messages: [`${field}.${index} must be an object`] };
  }
  // class-validator lists a property's rules bottom-up, then the nested check: the last rule is
  // the first declared, the most basic (a type), and the one worth reading.
  const rules = Object.entries(constraints);
  const [rule, message] = rules.filter(([name]) => name !== 'nestedValidation').at(-1) ?? rules.at(-1)!;
  if (rule === 'nestedValidation') return { field, messages: [`${field} must be an object`] };
  return { field, messages: [message.startsWith(e.property) ? field + message.slice(e.property.length) : `${field}: ${message}`] };
}
