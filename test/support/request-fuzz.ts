import fc from 'fast-check';

/**
 * Request generators for the fuzz test: valid values read from the app's own OpenAPI document
 * and .proto descriptors, mixed with hostile ones (NUL, huge strings, deep nesting, wrong types,
 * lone surrogates, numbers out of range, missing and extra fields, odd headers).
 */

export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface Operation {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Raw text, so that hostile bodies (deeper than JSON.stringify can go) are sent as they are. */
  body?: string;
}

/** Strings that have broken servers: NUL, control and format characters, huge, injection-like. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '', ' ', '%', '%00', '..%2f..', "' OR 1=1 --", '<script>', '\uD800', '\uFFFF', 'null', 'NaN', '-1', '1e309', '0.001'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 101, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, 0.5, 1.005, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e21, -1e308, 1e308, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A value nested `depth` levels deep, as arrays or objects. */
const deep: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 4, max: 2_000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, [[]], [null], { '\u0000': 1 }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { x: 1 } } }),
  deep,
  fc.array(hostileString, { maxLength: 3 }),
);

function resolve(schema: JsonSchema, doc: OpenApiDoc): JsonSchema {
  return schema.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()!], doc) : schema;
}

/** Values a schema accepts, or nearly: the fuzz needs requests that get past validation too. */
function validValue(schema: JsonSchema, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (s.oneOf) return fc.oneof(...s.oneOf.map((o) => validValue(o, doc, known, hostile)));
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.type === 'object' || s.properties) return objectOf(s, doc, known, hostile);
  if (s.type === 'array') return fc.array(valueFor(s.items ?? {}, doc, known, hostile), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
  if (s.type === 'number' || s.type === 'integer') {
    const min = s.minimum ?? -1_000;
    return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max: s.maximum ?? min + 10_000 }) }, { weight: 1, arbitrary: fc.constantFrom(min, s.maximum ?? 1e12, 19.99, 999_999_999_999.99) });
  }
  if (s.type === 'boolean') return fc.boolean();
  const strings: fc.Arbitrary<string>[] = [fc.constantFrom(...known), fc.string({ maxLength: 12 })];
  if (typeof s.example === 'string') strings.push(fc.constant(s.example));
  if (s.format === 'uuid') strings.push(fc.uuid());
  if (s.pattern) strings.push(fc.stringMatching(new RegExp(s.pattern)));
  // Amounts and counts spelled as strings, up to the largest a NUMERIC(14,2) column holds.
  strings.push(fc.tuple(fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 99 })).map(([w, c]) => `${w}.${String(c).padStart(2, '0')}`));
  return fc.oneof(...strings);
}

/** A valid value most of the time, a hostile one otherwise, or a valid one with a NUL in it. */
export function valueFor(schema: JsonSchema, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<unknown> {
  const valid = validValue(schema, doc, known, hostile);
  if (!hostile) return valid;
  const withNul = valid.map((v) => (typeof v === 'string' ? `${v}\u0000` : v));
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 2, arbitrary: hostileValue }, { weight: 1, arbitrary: withNul });
}

/** An object of a schema's properties, some required ones left out, sometimes a field it does not know. */
function objectOf(schema: JsonSchema, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, valueFor(v, doc, known, hostile)]));
  if (!hostile) return fc.record(props, { requiredKeys: schema.required ?? [] });
  const required = fc.record(props, { requiredKeys: schema.required ?? [] });
  const loose = fc.record(props, { requiredKeys: [] });
  const extra = fc.dictionary(fc.constantFrom('extra', 'totalAmount', '__proto__', 'id', 'status'), hostileValue, { maxKeys: 2 });
  return fc.tuple(fc.oneof({ weight: 4, arbitrary: required }, { weight: 1, arbitrary: loose }), fc.option(extra, { freq: 5 })).map(([o, x]) => ({ ...o, ...(x ?? {}) }));
}

/** A percent-encoding that also takes lone surrogates (encodeURIComponent throws on them). */
function pct(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

/** A path segment: valid or hostile, or raw text that is not valid percent-encoding. */
function pathSegment(schema: JsonSchema, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<string> {
  if (!hostile) return validValue(schema, doc, known, false).map((v) => pct(asText(v)) || 'x');
  return fc.oneof({ weight: 6, arbitrary: valueFor(schema, doc, known, true).map((v) => pct(asText(v)) || 'x') }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ff', '%c0%80', '..', '%2e%2e') });
}

/** Header values as Node's client allows them (no CR, LF or NUL: the HTTP parser never lets those through). */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.constantFrom('', ' ', 'a b', 'ü', 'x'.repeat(256), 'x'.repeat(8_000)),
);

const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'Idempotency-Key': headerValue,
    'X-Idempotency-Key': headerValue,
    'X-Correlation-Id': headerValue,
    traceparent: fc.oneof(headerValue, fc.constant('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')),
    'X-Unknown-Header': headerValue,
    'Content-Type': fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'application/json; charset=nope', 'application/x-www-form-urlencoded', 'multipart/form-data'),
    'Content-Encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'nope'),
  },
  { requiredKeys: [] },
);

/** Mostly a JSON request with a usable key; sometimes odd headers of every kind. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ 'Content-Type': fc.constant('application/json'), 'Idempotency-Key': fc.uuid() }, { requiredKeys: ['Content-Type'] }) },
  { weight: 1, arbitrary: oddHeaders },
);

/** A whole body: an object of the schema, or something else entirely. */
function bodyFor(schema: JsonSchema, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<string> {
  if (!hostile) return validValue(schema, doc, known, false).map((v) => JSON.stringify(v));
  return fc.oneof(
    { weight: 8, arbitrary: validValue(schema, doc, known, true).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '"x"', '[]', '{"a":1,"a":2}', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, `{"customerId":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`) },
  );
}

/** Every operation of the document, each with its arbitrary of requests: one in three valid throughout, the rest with hostile parts. */
export function httpCases(doc: OpenApiDoc, known: string[]): { name: string; requests: fc.Arbitrary<HttpCase> }[] {
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const requests = fc.oneof({ weight: 1, arbitrary: requestsFor(template, method, op, doc, known, false) }, { weight: 2, arbitrary: requestsFor(template, method, op, doc, known, true) });
      return { name: `${method.toUpperCase()} ${template}`, requests };
    }),
  );
}

function requestsFor(template: string, method: string, op: Operation, doc: OpenApiDoc, known: string[], hostile: boolean): fc.Arbitrary<HttpCase> {
      const params = op.parameters ?? [];
      const path = fc.record(Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, pathSegment(p.schema, doc, known, hostile)])));
      const oneQuery = (s: JsonSchema) => (hostile ? fc.oneof(valueFor(s, doc, known, true).map(asText), fc.array(fc.string(), { minLength: 2, maxLength: 2 })) : validValue(s, doc, known, false).map(asText));
      const query = fc.tuple(
        fc.record(Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, oneQuery(p.schema)])), { requiredKeys: [] }),
        hostile ? fc.option(fc.dictionary(fc.constantFrom('unknown', 'limit[a]', '__proto__', 'x\u0000'), fc.string({ maxLength: 5 }), { maxKeys: 2 }), { freq: 4 }) : fc.constant(null),
      );
      const schema = op.requestBody?.content['application/json']?.schema;
      const body = schema ? fc.option(bodyFor(schema, doc, known, hostile), { freq: hostile ? 10 : 1000 }) : hostile ? fc.option(bodyFor({ type: 'object' }, doc, known, true), { freq: 2 }) : fc.constant(null);
      const headers = hostile ? extraHeaders : fc.record({ 'Content-Type': fc.constant('application/json'), 'Idempotency-Key': fc.uuid() });
      return fc.tuple(path, query, headers, body).map(([p, [q, x], headers, b]): HttpCase => {
        const url = template.replace(/\{(\w+)\}/g, (_, name: string) => p[name] as string);
        const pairs: [string, unknown][] = Object.entries({ ...q, ...(x ?? {}) }).flatMap(([k, v]): [string, unknown][] => (Array.isArray(v) ? v.map((e): [string, unknown] => [k, e]) : [[k, v]]));
        const qs = pairs.map(([k, v]) => `${pct(k)}=${pct(String(v))}`).join('&');
        return { method: method.toUpperCase(), path: qs ? `${url}?${qs}` : url, headers, ...(b !== null && { body: b }) };
      });
}

/** A field of a message descriptor, as @grpc/proto-loader gives it. */
interface ProtoField {
  name: string;
  type: string;
  label: string;
  typeName: string;
}

export type MessageTypes = Record<string, { type?: { field?: ProtoField[] } }>;

/** A message of `typeName` from its descriptor: every field of its type or hostile, any of them left out. */
export function messageFor(typeName: string, types: MessageTypes, known: string[]): fc.Arbitrary<Record<string, unknown>> {
  const descriptor = types[typeName] ?? Object.entries(types).find(([name]) => name.endsWith(`.${typeName}`))?.[1];
  const fields = descriptor?.type?.field ?? [];
  const one = (f: ProtoField): fc.Arbitrary<unknown> => {
    if (f.type === 'TYPE_MESSAGE') return messageFor(f.typeName, types, known);
    if (f.type === 'TYPE_BOOL') return fc.boolean();
    if (f.type.startsWith('TYPE_INT') || f.type.startsWith('TYPE_UINT') || f.type.startsWith('TYPE_SINT')) {
      return fc.oneof(fc.integer({ min: -2, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(10_000, 10_001, 2 ** 31 - 1));
    }
    return fc.oneof({ weight: 3, arbitrary: fc.oneof(fc.constantFrom(...known), fc.uuid(), fc.string({ maxLength: 12 })) }, { weight: 1, arbitrary: hostileString });
  };
  const record = Object.fromEntries(
    fields.map((f) => [f.name, f.label === 'LABEL_REPEATED' ? fc.oneof(fc.array(one(f), { maxLength: 4 }), fc.array(one(f), { minLength: 101, maxLength: 150 })) : one(f)]),
  );
  return fc.record(record, { requiredKeys: [] });
}
