import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

/** The file descriptors the server's reflection service gives for `symbol`, as a client in any language gets them. */
function reflect(address: string, symbol: string): Promise<Uint8Array[]> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(REFLECTION_PROTO, { keepCase: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, { file_descriptor_proto: Uint8Array[] }>> }).ServerReflectionInfo();
    stream.on('data', (response) => {
      stream.end();
      client.close();
      resolve(response.file_descriptor_response.file_descriptor_proto);
    });
    stream.on('error', reject);
    stream.write({ file_containing_symbol: symbol });
  });
}

/** A protobuf root built only from what reflection served: no .proto file, no loader of ours. */
async function reflectedRoot(address: string, symbol: string): Promise<protobuf.Root> {
  const files = (await reflect(address, symbol)).map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
  return (protobuf.Root as unknown as { fromDescriptor(set: object): protobuf.Root }).fromDescriptor({ file: files });
}

describe('gRPC server reflection', () => {
  let t: TestApp;
  let address: string;

  beforeAll(async () => {
    t = await startTestApp();
    address = `127.0.0.1:${t.config.grpcPort}`;
    await request(t.http).post('/api/v1/products').send({ id: 'refl_beans', name: 'beans', price: '19.99', stock: 5 }).expect(201);
  });
  afterAll(() => t?.close());

  it('serves the messages as the .proto files write them (snake_case field names)', async () => {
    const root = await reflectedRoot(address, 'order.v1.OrderService');
    expect(Object.keys(root.lookupType('order.v1.CreateOrderRequest').fields).sort()).toEqual(['customer_id', 'idempotency_key', 'items', 'shipping_address']);
    expect(Object.keys(root.lookupType('order.v1.OrderItem').fields).sort()).toEqual(['price', 'product_id', 'quantity']);
  });

  it('a client that knows only the reflected schema places an order with the names it was given', async () => {
    const root = await reflectedRoot(address, 'order.v1.OrderService');
    const method = root.lookupService('order.v1.OrderService').methods.CreateOrder.resolve() as protobuf.Method;
    const [Request, Reply] = [method.resolvedRequestType!, method.resolvedResponseType!];
    const body = Request.fromObject({ idempotency_key: 'refl-1', customer_id: 'cust_refl', items: [{ product_id: 'refl_beans', quantity: 2, price: '19.99' }] });
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      client.makeUnaryRequest(
        '/order.v1.OrderService/CreateOrder',
        (message: protobuf.Message) => Buffer.from(Request.encode(message).finish()),
        (bytes: Buffer) => Reply.toObject(Reply.decode(bytes), { defaults: true }),
        body,
        (error, answer) => (error ? reject(error) : resolve(answer!)),
      );
    }).finally(() => client.close());
    expect(reply).toMatchObject({ status: 'PENDING', customer_id: 'cust_refl', total_amount: '39.98' });
  });
});
