import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { call } from '../scripts/grpc-client.mjs';
import { InventoryRejected, InventoryReleased, InventoryReserved, ReleaseInventory, ReserveInventory } from '../src/inventory/inventory.messages.js';
import { defineSaga, fail } from '../src/saga/engine/saga-definition.js';
import { SagaEngine } from '../src/saga/engine/saga-engine.js';
import { IsUuid } from '../src/common/is-uuid.js';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** A saga type of the test's own, started over the API with this payload as its data. */
class HoldPayload {
  @ApiProperty({ format: 'uuid' })
  @IsUuid()
  holdId!: string;

  @ApiProperty({ example: 'api_beans' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  productId!: string;

  @ApiProperty({ example: 2, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

/** Holds the stock, then gives it back (a step whose failure would not undo the saga). */
const holdSaga = defineSaga<HoldPayload>({
  type: 'test-hold',
  payload: HoldPayload,
  steps: [
    {
      name: 'hold-stock',
      invoke: (d) => new ReserveInventory({ orderId: d.holdId, lines: [{ productId: d.productId, quantity: d.quantity }] }),
      compensate: (d) => new ReleaseInventory({ orderId: d.holdId }),
      onReply: { [InventoryReserved.type]: (d) => d, [InventoryRejected.type]: fail('OUT_OF_STOCK') },
    },
    { name: 'give-back', invoke: (d) => new ReleaseInventory({ orderId: d.holdId }), onReply: { [InventoryReleased.type]: (d) => d }, critical: false },
  ],
});

/** Registered, but declares no payload: only its own code starts it. */
const internalSaga = defineSaga<{ n: number }>({ type: 'test-internal', steps: [{ name: 'only' }] });

const initialStock = { api_beans: 100 };
const anOrder = (quantity = 2, customerId = 'api_cust') => ({ customerId, items: [{ productId: 'api_beans', quantity, price: '1.50' }] });
const aHold = (quantity = 2) => ({ holdId: randomUUID(), productId: 'api_beans', quantity });

describe('any saga over the API', () => {
  let t: TestApp;
  let grpcAddress: string;
  const startSaga = (body: object, key?: string) => {
    const req = request(t.http).post('/api/v1/sagas').send(body);
    return key ? req.set('Idempotency-Key', key) : req;
  };
  const counts = async () =>
    (
      await t.sql.query(`SELECT (SELECT count(*) FROM orders.orders)::int AS orders, (SELECT count(*) FROM saga.saga_instances)::int AS sagas,
                                (SELECT count(*) FROM orders.idempotency_keys)::int AS "orderKeys", (SELECT count(*) FROM saga.idempotency_keys)::int AS "sagaKeys",
                                (SELECT count(*) FROM messaging.outbox)::int AS outbox`)
    ).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ env: { PLACE_ORDER_SAGA_VERSION: '2' } });
    grpcAddress = `127.0.0.1:${t.config.grpcPort}`;
    const engine = t.app.get(SagaEngine);
    engine.register(holdSaga);
    engine.register(internalSaga);
    for (const [id, stock] of Object.entries(initialStock)) await request(t.http).post('/api/v1/products').send({ id, name: id, price: '1.50', stock }).expect(201);
  });
  afterAll(() => t?.close());

  it('starts place-order with the body of POST /orders: a real order, placed and confirmed', async () => {
    const res = await startSaga({ sagaType: 'place-order', payload: anOrder(3) }).expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.body).toEqual({
      sagaId: expect.any(String),
      sagaType: 'place-order',
      version: 2,
      status: expect.stringMatching(/^(STARTED|RUNNING)$/),
      resource: expect.objectContaining({ status: 'PENDING', customerId: 'api_cust', totalAmount: '4.50', sagaId: res.body.sagaId }),
    });
    expect(await t.waitForSaga(res.body.sagaId)).toBe('COMPLETED');
    const order = await request(t.http).get(`/api/v1/orders/${res.body.resource.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CONFIRMED', sagaId: res.body.sagaId, items: [{ productId: 'api_beans', quantity: 3, price: '1.50' }] });
    await expectBalanced(t.sql, initialStock);
  });

  it('an Idempotency-Key starts one saga: the same request replays it, another request with it is refused; place-order shares its keys with POST /orders', async () => {
    const key = `api-${randomUUID()}`;
    const first = await startSaga({ sagaType: 'place-order', payload: anOrder(1) }, key).expect(201);
    const again = await startSaga({ sagaType: 'place-order', payload: { items: [{ price: 1.5, quantity: 1, productId: 'api_beans' }], customerId: 'api_cust' } }, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect({ ...again.body, status: null }).toEqual({ ...first.body, status: null });
    // POST /orders with the same key and body: the same order, not a second one.
    const viaOrders = await request(t.http).post('/api/v1/orders').set('Idempotency-Key', key).send(anOrder(1)).expect(201);
    expect(viaOrders.headers['idempotent-replayed']).toBe('true');
    expect(viaOrders.body.id).toBe(first.body.resource.id);
    const reused = await startSaga({ sagaType: 'place-order', payload: anOrder(2) }, key).expect(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await t.sql.query(`SELECT count(*)::int AS n FROM orders.orders WHERE saga_id = $1`, [first.body.sagaId])).rows[0].n).toBe(1);

    // A type the saga module starts itself keeps its keys in its own table, with the same rules.
    const holdKey = `api-${randomUUID()}`;
    const hold = aHold();
    const started = await startSaga({ sagaType: 'test-hold', payload: hold }, holdKey).expect(201);
    const replayed = await startSaga({ sagaType: 'test-hold', payload: { quantity: hold.quantity, productId: hold.productId, holdId: hold.holdId } }, holdKey).expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body.sagaId).toBe(started.body.sagaId);
    expect((await startSaga({ sagaType: 'test-hold', payload: { ...hold, quantity: 3 } }, holdKey).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await t.sql.query(`SELECT count(*)::int AS n FROM saga.saga_instances WHERE type = 'test-hold' AND data->>'holdId' = $1`, [hold.holdId])).rows[0].n).toBe(1);
    for (const id of [first.body.sagaId, started.body.sagaId]) expect(await t.waitForSaga(id)).toBe('COMPLETED');
    await expectBalanced(t.sql, initialStock);
  });

  it('refuses a payload its type does not accept with a 400 naming the field by its path, and writes nothing', async () => {
    await t.drain();
    const before = await counts();
    const bad = anOrder();
    bad.items[0].quantity = 0;
    const res = await startSaga({ sagaType: 'place-order', payload: bad }, `api-${randomUUID()}`).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'payload.items.0.quantity', messages: ['payload.items.0.quantity must not be less than 1'] }] });
    const cases: [object, string][] = [
      [{ sagaType: 'place-order', payload: { ...anOrder(), extra: 1 } }, 'payload.extra'],
      [{ sagaType: 'place-order', payload: { items: anOrder().items } }, 'payload.customerId'],
      [{ sagaType: 'test-hold', payload: { ...aHold(), holdId: 'nope' } }, 'payload.holdId'],
      [{ sagaType: 'test-hold', payload: [] }, 'payload'],
      [{ sagaType: 'test-hold' }, 'payload'],
    ];
    for (const [body, field] of cases) {
      const refused = await startSaga(body, `api-${randomUUID()}`).expect(400);
      expect([field, refused.body.errors.map((e: { field: string }) => e.field)]).toEqual([field, [field]]);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a type that is not registered (404) and one that declares no payload (400), naming sagaType', async () => {
    const before = await counts();
    const unknown = await startSaga({ sagaType: 'no-such-saga', payload: {} }).expect(404);
    expect(unknown.body).toMatchObject({ code: 'SAGA_TYPE_NOT_FOUND', message: 'sagaType no-such-saga is not a registered saga type' });
    const internal = await startSaga({ sagaType: 'test-internal', payload: { n: 1 } }).expect(400);
    expect(internal.body).toMatchObject({ code: 'SAGA_TYPE_NOT_STARTABLE', message: 'sagaType test-internal declares no payload: it is not started over the API' });
    expect(await counts()).toEqual(before);
  });

  it('starts a type without a starter of its own: the validated payload is its data, and it runs to its end', async () => {
    const hold = aHold(5);
    const res = await startSaga({ sagaType: 'test-hold', payload: hold }).expect(201);
    expect(res.body).toEqual({ sagaId: expect.any(String), sagaType: 'test-hold', version: 1, status: expect.stringMatching(/^(STARTED|RUNNING)$/), resource: null });
    expect(await t.waitForSaga(res.body.sagaId)).toBe('COMPLETED');
    const saga = (await request(t.http).get(`/api/v1/sagas/${res.body.sagaId}`).expect(200)).body;
    expect(saga.history.map((h: { step: string; status: string }) => `${h.step}:${h.status}`)).toEqual(['hold-stock:SUCCEEDED', 'give-back:SUCCEEDED']);
    expect((await t.sql.query(`SELECT data FROM saga.saga_instances WHERE id = $1`, [res.body.sagaId])).rows[0].data).toEqual(hold);
    expect((await t.sql.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [hold.holdId])).rows).toEqual([{ status: 'RELEASED' }]);
    await expectBalanced(t.sql, initialStock);
  });

  it('GET /saga-types lists every registered type and version with its steps and payload schema', async () => {
    const { body } = await request(t.http).get('/api/v1/saga-types').expect(200);
    const byType = Object.fromEntries(body.map((d: { type: string; version: number }) => [`${d.type} v${d.version}`, d]));
    expect(Object.keys(byType)).toEqual(expect.arrayContaining(['place-order v1', 'place-order v2', 'test-hold v1', 'test-internal v1']));
    // v2 holds the stock and the money side by side, ships only an order with an address, and notifies without making it critical.
    expect(byType['place-order v2']).toMatchObject({
      version: 2,
      startable: true,
      steps: [
        { name: 'create-order', hasCommand: false, hasCompensation: true, critical: true, group: null, conditional: false },
        { name: 'reserve-inventory', hasCommand: true, hasCompensation: true, critical: true, group: 'hold', conditional: false },
        { name: 'authorize-payment', hasCommand: true, hasCompensation: true, critical: true, group: 'hold', conditional: false },
        { name: 'capture-payment', hasCommand: true, hasCompensation: true, critical: true, group: null, conditional: false },
        { name: 'create-shipment', hasCommand: true, hasCompensation: true, critical: true, group: null, conditional: true },
        { name: 'ship-inventory', hasCommand: true, hasCompensation: false, critical: true, group: null, conditional: false },
        { name: 'confirm-order', hasCommand: true, hasCompensation: false, critical: true, group: null, conditional: false },
        { name: 'notify-customer', hasCommand: true, hasCompensation: false, critical: false, group: null, conditional: false },
      ],
    });
    // v1 stays registered for the sagas started on it, but only the newest version is started.
    expect(byType['place-order v1']).toMatchObject({ startable: false, steps: [{ name: 'create-order' }, { name: 'reserve-inventory', group: null }, { name: 'process-payment' }, { name: 'confirm-order' }] });
    const orderSchema = byType['place-order v2'].payloadSchema;
    expect(orderSchema).toMatchObject({ type: 'object', required: ['customerId', 'items'], properties: { customerId: { type: 'string' }, items: { type: 'array', minItems: 1 } } });
    expect(orderSchema.properties.items.items).toMatchObject({ type: 'object', required: ['productId', 'quantity', 'price'], properties: { quantity: { type: 'number', minimum: 1 } } });
    expect(byType['test-hold v1']).toMatchObject({
      startable: true,
      steps: [{ name: 'hold-stock', critical: true }, { name: 'give-back', hasCommand: true, hasCompensation: false, critical: false }],
      payloadSchema: { required: ['holdId', 'productId', 'quantity'] },
    });
    expect(byType['test-internal v1']).toMatchObject({ startable: false, payloadSchema: null });
  });

  it('gRPC StartSaga (payload as JSON text) and ListSagaTypes', async () => {
    const key = `api-grpc-${randomUUID()}`;
    const req = { idempotency_key: key, saga_type: 'place-order', payload: JSON.stringify(anOrder(2, 'api_grpc')) };
    const started = (await call(grpcAddress, 'SagaService.StartSaga', req)) as Record<string, unknown>;
    expect(started).toMatchObject({ saga_type: 'place-order', version: 2, status: expect.stringMatching(/^(STARTED|RUNNING)$/), replayed: false });
    expect(JSON.parse(started.resource as string)).toMatchObject({ customerId: 'api_grpc', totalAmount: '3.00', sagaId: started.saga_id });
    expect(await call(grpcAddress, 'SagaService.StartSaga', req)).toMatchObject({ saga_id: started.saga_id, replayed: true });
    expect(await t.waitForSaga(started.saga_id as string)).toBe('COMPLETED');

    const before = await counts();
    const codeOf = (r: object) => call(grpcAddress, 'SagaService.StartSaga', r).then(() => ({ code: status.OK, details: '' }), (e: { code: number; details: string }) => ({ code: e.code, details: e.details }));
    const bad = anOrder();
    bad.items[0].quantity = 0;
    expect(await codeOf({ ...req, idempotency_key: `${key}-2`, payload: JSON.stringify(bad) })).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('payload.items.0.quantity must not be less than 1') });
    expect(await codeOf({ ...req, idempotency_key: `${key}-3`, payload: '{not json' })).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('payload must be a JSON object') });
    expect(await codeOf({ ...req, payload: JSON.stringify(anOrder(3, 'api_grpc')) })).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(await codeOf({ ...req, idempotency_key: `${key}-4`, saga_type: 'no-such-saga' })).toMatchObject({ code: status.NOT_FOUND });
    expect(await counts()).toEqual(before);

    const { types } = (await call(grpcAddress, 'SagaService.ListSagaTypes', {})) as { types: { type: string; startable: boolean; steps: { name: string; has_command: boolean; group: string }[]; payload_schema: string }[] };
    const placeOrder = types.find((d) => d.type === 'place-order' && d.startable)!;
    expect(placeOrder).toMatchObject({ startable: true, steps: expect.arrayContaining([
      { name: 'create-order', has_command: false, has_compensation: true, critical: true, group: '', conditional: false },
      { name: 'authorize-payment', has_command: true, has_compensation: true, critical: true, group: 'hold', conditional: false },
      { name: 'create-shipment', has_command: true, has_compensation: true, critical: true, group: '', conditional: true },
    ]) });
    expect(JSON.parse(placeOrder.payload_schema)).toMatchObject({ required: ['customerId', 'items'] });
    expect(types.find((d) => d.type === 'test-internal')).toMatchObject({ startable: false, payload_schema: '' });
  });
});

describe('any saga over the API: roles, once API keys are configured', () => {
  const KEYS = { client: 'api-client-secret-000001', viewer: 'api-viewer-secret-000001', admin: 'api-admin-secret-0000001' } as const;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { API_KEYS: Object.entries(KEYS).map(([role, secret]) => `${role}-key:${role}:${secret}`).join(',') } });
    await request(t.http).post('/api/v1/products').set('Authorization', `Bearer ${KEYS.admin}`).send({ id: 'api_beans', name: 'beans', price: '1.50', stock: 10 }).expect(201);
  });
  afterAll(() => t?.close());

  it('starting needs the role that places orders; listing types needs the read role', async () => {
    const start = (secret?: string) => {
      const req = request(t.http).post('/api/v1/sagas').send({ sagaType: 'place-order', payload: anOrder(1) });
      return secret ? req.set('Authorization', `Bearer ${secret}`) : req;
    };
    await start().expect(401);
    expect((await start(KEYS.viewer).expect(403)).body.code).toBe('FORBIDDEN');
    expect((await t.sql.query('SELECT count(*)::int AS n FROM orders.orders')).rows[0].n).toBe(0);
    await start(KEYS.client).expect(201);
    await start(KEYS.admin).expect(201);
    await request(t.http).get('/api/v1/saga-types').expect(401);
    for (const secret of Object.values(KEYS)) await request(t.http).get('/api/v1/saga-types').set('Authorization', `Bearer ${secret}`).expect(200);

    const address = `127.0.0.1:${t.config.grpcPort}`;
    const codeOf = (target: string, req: object, apiKey?: string) => call(address, target, req, { apiKey }).then(() => status.OK, (e: { code: number }) => e.code);
    const req = { idempotency_key: `api-${randomUUID()}`, saga_type: 'place-order', payload: JSON.stringify(anOrder(1)) };
    expect(await codeOf('SagaService.StartSaga', req)).toBe(status.UNAUTHENTICATED);
    expect(await codeOf('SagaService.StartSaga', req, KEYS.viewer)).toBe(status.PERMISSION_DENIED);
    expect(await codeOf('SagaService.StartSaga', req, KEYS.client)).toBe(status.OK);
    expect(await codeOf('SagaService.ListSagaTypes', {})).toBe(status.UNAUTHENTICATED);
    expect(await codeOf('SagaService.ListSagaTypes', {}, KEYS.viewer)).toBe(status.OK);
    expect((await t.sql.query('SELECT count(*)::int AS n FROM orders.orders')).rows[0].n).toBe(3);
  });
});
