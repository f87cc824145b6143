#!/usr/bin/env node
// A tiny gRPC client for the app's services, for when grpcurl is not at hand:
//   npm run grpc -- list                                   services, asked of the server by reflection
//   npm run grpc -- OrderService.GetOrder '{"order_id":"…"}'
//   npm run grpc -- order.v1.OrderService.CreateOrder '{"idempotency_key":"k1","customer_id":"c1","items":[{"product_id":"prod_1","quantity":1,"price":"19.99"}]}'
// Address: GRPC_ADDR, else 127.0.0.1:$GRPC_PORT (default 50051). Field names as in the .proto files.
// API_KEY is sent as `authorization: Bearer …`. TLS: GRPC_TLS_CA (the server's CA), plus
// GRPC_TLS_CLIENT_CERT and GRPC_TLS_CLIENT_KEY when the server wants client certificates.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));
const REFLECTION_PROTO = fileURLToPath(import.meta.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'));

function load(files, keepCase) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(files, { keepCase, longs: String, enums: String, defaults: true, oneofs: true }));
}

/** Finds `Service.Method` or `package.Service.Method` among the app's protos. */
function findMethod(root, target) {
  const parts = target.split('.');
  const method = parts.pop();
  const serviceName = parts.join('.');
  const services = [];
  const walk = (node, path) => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'function' && value.service) services.push({ name: [...path, key].join('.'), ctor: value });
      else if (value && typeof value === 'object' && !value.format) walk(value, [...path, key]);
    }
  };
  walk(root, []);
  const service = services.find((s) => s.name === serviceName || s.name.endsWith(`.${serviceName}`));
  if (!service || !service.ctor.service[method]) {
    throw new Error(`Unknown method ${target}. Services: ${services.map((s) => s.name).join(', ')}`);
  }
  return { Service: service.ctor, method };
}

/** Plaintext, or TLS with `tls.ca` (PEM), and a client certificate (`tls.cert`, `tls.key`) for mutual TLS. */
function channelCredentials(tls) {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
}

/** Calls one unary method; resolves with the reply, rejects with the gRPC error. `apiKey` goes as `authorization: Bearer`. */
export function call(address, target, request, { keepCase = true, deadlineMs = 10_000, apiKey, tls } = {}) {
  const files = readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto')).map((f) => PROTO_DIR + f);
  const { Service, method } = findMethod(load(files, keepCase), target);
  const client = new Service(address, channelCredentials(tls));
  const metadata = new grpc.Metadata();
  if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + deadlineMs }, (error, reply) => {
      client.close();
      if (error) reject(error);
      else resolve(reply);
    });
  });
}

/** Lists the services the server announces through gRPC server reflection. */
export function listServices(address, { tls } = {}) {
  const { grpc: { reflection: { v1 } } } = load([REFLECTION_PROTO], true);
  const client = new v1.ServerReflection(address, channelCredentials(tls));
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (response) => {
      stream.end();
      client.close();
      if (response.error_response) reject(new Error(response.error_response.error_message));
      else resolve(response.list_services_response.service.map((s) => s.name).sort());
    });
    stream.on('error', (error) => {
      client.close();
      reject(error);
    });
    stream.write({ list_services: '' });
  });
}

async function main() {
  const [target, json = '{}'] = process.argv.slice(2);
  const address = process.env.GRPC_ADDR ?? `127.0.0.1:${process.env.GRPC_PORT ?? 50051}`;
  if (!target) {
    console.error("usage: npm run grpc -- list | <Service>.<Method> '<json>'");
    process.exit(2);
  }
  const file = (variable) => (process.env[variable] ? readFileSync(process.env[variable]) : undefined);
  const tls = process.env.GRPC_TLS_CA ? { ca: file('GRPC_TLS_CA'), cert: file('GRPC_TLS_CLIENT_CERT'), key: file('GRPC_TLS_CLIENT_KEY') } : undefined;
  try {
    const result = target === 'list' ? await listServices(address, { tls }) : await call(address, target, JSON.parse(json), { apiKey: process.env.API_KEY, tls });
    console.log(JSON.stringify(result, null, 2));
  } catch (error) {
    console.error(error.code !== undefined ? `${grpc.status[error.code]}: ${error.details}` : error.message);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
