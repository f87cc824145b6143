import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { call } from '../scripts/grpc-client.mjs';
import { snapshotTables } from './support/table-snapshot.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { PARTICIPANT_RPC } from './support/participant-rpcs.js';

/**
 * Input that cannot reach a handler unless it is valid: each case below once answered 500 (or
 * three messages for one mistake). Now a 400 / INVALID_ARGUMENT naming the field, one message
 * per mistake, no stack, and no row changed in any table.
 */
const ADMIN_KEY = 'input-admin-key-00000001';
const SERVICE_KEY = 'input-service-key-0000001';

describe('hostile input is refused before any handler runs', () => {
  let t: TestApp;
  let address: string;
  const item = { productId: 'hostile_beans', quantity: 1, price: '1.00' };

  beforeAll(async () => {
    // Nothing moves rows meanwhile. A service key for the participants' RPCs, an admin for the rest.
    t = await startTestApp({ env: { RELAY_ENABLED: 'false', API_KEYS: `in-admin:admin:${ADMIN_KEY},in-service:service:${SERVICE_KEY}` } });
    address = `127.0.0.1:${t.config.grpcPort}`;
    await request(t.http).post('/api/v1/products').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ id: 'hostile_beans', name: 'beans', price: '1.00', stock: 10 }).expect(201);
  });
  afterAll(() => t?.close());

  const deepArray = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
  const cases: [string, (r: request.Agent) => request.Test, { field: string; message: string }][] = [
    ['a deeply nested array as the body', (r) => r.post('/api/v1/orders').set('Content-Type', 'application/json').send(deepArray), { field: 'body', message: 'body must be a JSON object' }],
    [
      'a deeply nested array inside the body',
      (r) => r.post('/api/v1/orders').set('Content-Type', 'application/json').send(`{"customerId":"c","items":${deepArray}}`),
      { field: 'items.0.0.0.0.0.0.0', message: 'items.0.0.0.0.0.0.0 is nested too deeply (at most 8 levels)' },
    ],
    ['an item that is an array', (r) => r.post('/api/v1/orders').send({ customerId: 'c', items: [[]] }), { field: 'items.0', message: 'items.0 must be an object' }],
    ['an item that is null', (r) => r.post('/api/v1/orders').send({ customerId: 'c', items: [item, null] }), { field: 'items.1', message: 'items.1 must be an object' }],
    ['a body that is not JSON', (r) => r.post('/api/v1/orders').set('Content-Type', 'text/plain').send('hello'), { field: 'body', message: 'body must be a JSON object' }],
    ['a missing customerId', (r) => r.post('/api/v1/orders').send({ items: [item] }), { field: 'customerId', message: 'customerId is required' }],
    ['a missing nested field', (r) => r.post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'p', price: '1.00' }] }), { field: 'items.0.quantity', message: 'items.0.quantity is required' }],
    [
      'an order whose total does not fit the stored amount',
      (r) => r.post('/api/v1/orders').send({ customerId: 'c', items: [{ ...item, quantity: 7116, price: '56571269585.62' }] }),
      { field: 'items', message: 'items must total at most 999999999999.99' },
    ],
    ['items that are not an array', (r) => r.post('/api/v1/orders').send({ customerId: 'c', items: 'lots' }), { field: 'items', message: 'items must be an array' }],
    ['NUL in a body string', (r) => r.post('/api/v1/orders').send({ customerId: 'c\u0000', items: [item] }), { field: 'customerId', message: 'customerId must not contain a NUL character' }],
    ['NUL in a nested body string', (r) => r.post('/api/v1/products').send({ name: 'a\u0000b', price: '1.00', stock: 1 }), { field: 'name', message: 'name must not contain a NUL character' }],
    ['NUL in a path parameter', (r) => r.get('/api/v1/products/%00'), { field: 'id', message: 'id must not contain a NUL character' }],
    ['NUL in a customer id', (r) => r.get('/api/v1/customers/%00/orders'), { field: 'customerId', message: 'customerId must not contain a NUL character' }],
    ['NUL in a query', (r) => r.get('/api/v1/sagas?type=%00'), { field: 'type', message: 'type must not contain a NUL character' }],
    ['a repeated query parameter', (r) => r.get('/api/v1/sagas?type=a&type=b'), { field: 'type', message: 'type must be a string' }],
    ['an order id that is not a UUID', (r) => r.get('/api/v1/orders/not-a-uuid'), { field: 'id', message: 'id must be a UUID' }],
    ['a saga id that is not a UUID', (r) => r.post('/api/v1/sagas/42/retry'), { field: 'id', message: 'id must be a UUID' }],
    ['a product id off its pattern', (r) => r.get('/api/v1/products/a%20b'), { field: 'id', message: 'id must be 1-64 letters, digits, "_", "-" or "."' }],
    ['a dead letter id that is not a number', (r) => r.post('/api/v1/dead-letters/x/redrive'), { field: 'id', message: 'id must be an outbox row id (digits)' }],
    ['a dead letter cursor beyond any id', (r) => r.get('/api/v1/dead-letters?before=100000000000000000000'), { field: 'before', message: 'before must not be greater than 9007199254740991' }],
    ['a malformed Idempotency-Key', (r) => r.post('/api/v1/orders').set('Idempotency-Key', 'a b').send({ customerId: 'c', items: [item] }), { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 printable characters without spaces' }],
  ];

  it.each(cases)('%s: 400 naming the field, nothing written', async (_name, send, expected) => {
    const before = await snapshotTables(t.sql);
    const res = await send(request.agent(t.http).set('Authorization', `Bearer ${ADMIN_KEY}`));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: `Validation failed: ${expected.message}`,
      errors: [{ field: expected.field, messages: [expected.message] }],
      correlationId: res.headers['x-correlation-id'],
    });
    expect(await snapshotTables(t.sql)).toEqual(before);
  });

  const grpcCases: [string, object, string][] = [
    ['InventoryService.GetStock', { product_id: '\u0000' }, 'product_id must not contain a NUL character'],
    ['OrderService.GetOrder', { order_id: 'not-an-id' }, 'order_id must be a UUID'],
    ['SagaService.GetSaga', { saga_id: '\u0000' }, 'saga_id must not contain a NUL character'],
    ['PaymentService.GetPayment', { order_id: 'x'.repeat(101) }, 'order_id must be shorter than or equal to 100 characters'],
    ['OrderService.CreateOrder', { idempotency_key: 'k1', customer_id: 'c\u0000', items: [{ product_id: 'hostile_beans', quantity: 1, price: '1.00' }] }, 'customer_id must not contain a NUL character'],
    ['PaymentService.ProcessPayment', { idempotency_key: 'k2', order_id: '\u0000', customer_id: 'c', amount: '1.00' }, 'order_id must not contain a NUL character'],
    ['InventoryService.ReserveInventory', { idempotency_key: 'k3', order_id: 'o', lines: [{ product_id: 'a b', quantity: 1 }] }, 'lines.0.product_id must be 1-64 letters, digits, "_", "-" or "."'],
    ['PaymentService.RefundPayment', { idempotency_key: '', order_id: 'o' }, 'idempotency_key must be 1-255 printable characters without spaces'],
  ];

  it.each(grpcCases)('gRPC %s: INVALID_ARGUMENT naming the field, nothing written', async (method, req, message) => {
    const before = await snapshotTables(t.sql);
    const apiKey = PARTICIPANT_RPC.test(method) ? SERVICE_KEY : ADMIN_KEY;
    const error = await call(address, method, req, { apiKey }).then(() => null, (e: { code: number; details: string }) => e);
    expect(error && { code: error.code, details: error.details }).toEqual({ code: status.INVALID_ARGUMENT, details: `Validation failed: ${message}` });
    expect(await snapshotTables(t.sql)).toEqual(before);
  });
});
