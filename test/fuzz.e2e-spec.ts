import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { httpCases, type HttpCase, type MessageTypes, messageFor, type OpenApiDoc } from './support/request-fuzz.js';
import { snapshotTables } from './support/table-snapshot.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { PARTICIPANT_RPC } from './support/participant-rpcs.js';

/**
 * Property-based fuzzing of the whole surface: every operation of the app's own OpenAPI document
 * and every method of proto/, with valid and hostile requests. Never a 5xx or INTERNAL/UNKNOWN,
 * never a stack trace, and a refused request changes no row in any table.
 * `FUZZ_RUNS` (runs per endpoint) raises the count: `npm run fuzz`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** A stack line, or a source file with a line number. */
const STACK = /\n\s+at \S|\bat .+:\d+:\d+|[\w.-]+\.(ts|js|mjs):\d+|node_modules/;
const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));
/** Strings that exist in the app, so that some requests find something and get further. */
const KNOWN = ['fuzz_beans', 'fuzz_cust', '1.00', '19.99', 'place-order'];

const ADMIN_KEY = 'fuzz-admin-key-0000000001';
const SERVICE_KEY = 'fuzz-service-key-00000001';

describe('fuzz: no request can break it', () => {
  let t: TestApp;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    // No relay, timers or retention: nothing but the fuzzed requests moves a row. Keys, so that
    // the participants' RPCs (service role only) are fuzzed too; everything else goes as an admin.
    t = await startTestApp({ env: { RELAY_ENABLED: 'false', RATE_LIMIT: '0', API_KEYS: `fuzz-admin:admin:${ADMIN_KEY},fuzz-service:service:${SERVICE_KEY}` } });
    await request(t.http).post('/api/v1/products').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ id: 'fuzz_beans', name: 'beans', price: '1.00', stock: 1_000_000 }).expect(201);
    doc = (await request(t.http).get('/docs-json').expect(200)).body;
  });
  afterAll(() => t?.close());

  /** Sends one request; the answer's status and text. */
  async function send(c: HttpCase): Promise<{ status: number; text: string }> {
    let r = request(t.http)[c.method.toLowerCase() as 'get'](c.path).set('Authorization', `Bearer ${ADMIN_KEY}`);
    for (const [k, v] of Object.entries(c.headers)) r = r.set(k, v);
    if (c.body !== undefined) r = r.send(c.body);
    const res = await r.buffer(true).parse((response, done) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(null, text));
    });
    return { status: res.status, text: res.body as string };
  }

  it('every REST operation', async () => {
    const cases = httpCases(doc, KNOWN);
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const { name, requests } of cases) {
      await fc.assert(
        fc.asyncProperty(requests, async (c) => {
          const before = await snapshotTables(t.sql);
          const res = await send(c);
          const seen = { operation: name, request: c.method + ' ' + c.path.slice(0, 200), status: res.status, text: res.text.slice(0, 300) };
          expect({ ...seen, serverError: res.status >= 500 }).toEqual({ ...seen, serverError: false });
          expect({ ...seen, stack: STACK.test(res.text) }).toEqual({ ...seen, stack: false });
          if (res.status >= 400) expect({ ...seen, tables: await snapshotTables(t.sql) }).toEqual({ ...seen, tables: before });
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
  });

  // RUNS requests per method, each between two table snapshots: its time grows with the number of methods.
  it('every gRPC method of proto/', async () => {
    const files = readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto')).map((f) => PROTO_DIR + f);
    const definition = protoLoader.loadSync(files, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const loaded = grpc.loadPackageDefinition(definition);
    const address = `127.0.0.1:${t.config.grpcPort}`;
    const methods = Object.entries(definition).flatMap(([service, d]) =>
      'format' in d ? [] : Object.entries(d as protoLoader.ServiceDefinition).map(([method, m]) => ({ service, method, requestType: (m.requestType as { type: { name: string } }).type.name })),
    );
    const declared = files.map((f) => readFileSync(f, 'utf8').match(/^\s*rpc\s/gm)?.length ?? 0).reduce((a, b) => a + b);
    expect(methods).toHaveLength(declared);
    for (const { service, method, requestType } of methods) {
      const Client = service.split('.').reduce((node: Record<string, unknown>, key) => node[key] as Record<string, unknown>, loaded as Record<string, unknown>) as unknown as grpc.ServiceClientConstructor;
      const client = new Client(address, grpc.credentials.createInsecure());
      const pkg = service.split('.').slice(0, -1).join('.');
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${PARTICIPANT_RPC.test(`${service.split('.').at(-1)}.${method}`) ? SERVICE_KEY : ADMIN_KEY}`);
      try {
        await fc.assert(
          fc.asyncProperty(messageFor(`${pkg}.${requestType}`, definition as MessageTypes, KNOWN), async (message) => {
            const before = await snapshotTables(t.sql);
            const error = await new Promise<grpc.ServiceError | null>((done) => {
              (client[method] as (m: unknown, md: grpc.Metadata, o: object, cb: (e: grpc.ServiceError | null) => void) => void)(message, metadata, { deadline: Date.now() + 10_000 }, (e) => done(e));
            });
            const seen = { method: `${service}.${method}`, message: JSON.stringify(message).slice(0, 200), code: error?.code ?? 0, details: error?.details?.slice(0, 300) ?? '' };
            expect({ ...seen, broken: [grpc.status.INTERNAL, grpc.status.UNKNOWN].includes(seen.code) }).toEqual({ ...seen, broken: false });
            expect({ ...seen, stack: STACK.test(error?.details ?? '') }).toEqual({ ...seen, stack: false });
            if (error) expect({ ...seen, tables: await snapshotTables(t.sql) }).toEqual({ ...seen, tables: before });
          }),
          { numRuns: RUNS, seed: SEED },
        );
      } finally {
        client.close();
      }
    }
  }, 60_000);
});
