import { DECORATORS } from '@nestjs/swagger';

/** A JSON schema, as far as a payload class's `@ApiProperty` decorators describe one. */
export interface PayloadSchema {
  type?: string;
  properties?: Record<string, PayloadSchema>;
  required?: string[];
  items?: PayloadSchema;
  [option: string]: unknown;
}

type Class = new () => object;

const PRIMITIVES = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
  [Date, 'string'],
]);

/**
 * The JSON schema of a payload class, read from the same `@ApiProperty` metadata the OpenAPI
 * document is built from: what `GET /api/v1/saga-types` shows a client. Nested classes are
 * inlined; a class met again inside itself is shown as a bare object.
 */
export function payloadSchema(dto: Class, seen: ReadonlySet<Class> = new Set()): PayloadSchema {
  const names: string[] = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype) ?? [];
  const inside = new Set(seen).add(dto);
  const properties: Record<string, PayloadSchema> = {};
  const required: string[] = [];
  for (const name of names.map((n) => n.replace(/^:/, ''))) {
    const { type, isArray, required: needed = true, ...options } = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, dto.prototype, name) ?? {};
    properties[name] = isArray ? { type: 'array', items: typeOf(type, inside), ...options } : { ...typeOf(type, inside), ...options };
    if (needed) required.push(name);
  }
  return { type: 'object', properties, required };
}

/** A property's type: a primitive, a type named as a string, or a nested payload class (or a function returning one). */
function typeOf(declared: unknown, seen: ReadonlySet<Class>): PayloadSchema {
  // `type: () => Leaf` (for a class declared later, or itself): an arrow function, with no prototype.
  const type = typeof declared === 'function' && !declared.prototype ? (declared as () => unknown)() : declared;
  if (typeof type === 'string') return { type };
  if (PRIMITIVES.has(type)) return { type: PRIMITIVES.get(type) };
  if (typeof type === 'function' && Reflect.hasMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, type.prototype)) {
    return seen.has(type as Class) ? { type: 'object' } : payloadSchema(type as Class, seen);
  }
  return {}; // Object, or a type the decorator leaves open (e.g. a `oneOf`, kept from its options)
}
