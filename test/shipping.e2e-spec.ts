import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { call } from '../scripts/grpc-client.mjs';
import { ReleaseInventory, ShipReservation } from '../src/inventory/inventory.messages.js';
import { CancelShipment, CreateShipment, type ShippingAddress } from '../src/shipping/shipping.messages.js';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { expectBalanced } from './support/assertions.js';
import { PARTICIPANT_RPC } from './support/participant-rpcs.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';

const SERVICE_KEY = 'shipping-test-service-key-01';
const ADMIN_KEY = 'shipping-test-admin-key-0001';
const ADDRESS: ShippingAddress = { street: '1 Market Street', city: 'San Francisco', state: 'CA', zipCode: '94105', country: 'US' };
const LINES = [{ productId: 'ship_beans', quantity: 2 }];

describe('shipping', () => {
  let t: TestApp;
  let address: string;
  const STOCK = { ship_beans: 100, ship_big: 10 };

  /** REST as the shop's admin (keys are configured: the participants' RPCs need a service key). */
  const get = (path: string) => request(t.http).get(path).set('Authorization', `Bearer ${ADMIN_KEY}`);
  const post = (path: string, body: object, key?: string) => {
    const req = request(t.http).post(path).set('Authorization', `Bearer ${ADMIN_KEY}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };
  const rpc = (target: string, req: object) => call(address, target, req, { apiKey: PARTICIPANT_RPC.test(target) ? SERVICE_KEY : ADMIN_KEY });
  const rpcError = (target: string, req: object) => rpc(target, req).then(() => null, (e: { code: number; details: string }) => e);
  const bus = () => t.app.get(CommandBus);
  const stock = async (id: string) => (await get(`/api/v1/products/${id}`).expect(200)).body;
  const shipments = async (orderId: string) => (await t.sql.query('SELECT status, reason FROM shipping.shipments WHERE order_id = $1', [orderId])).rows;

  /** Places an order over REST and waits for its saga: CONFIRMED (reservation RESERVED) or, above 500.00, CANCELLED (released). */
  async function placedOrder(body: object): Promise<{ id: string; status: string }> {
    const placed = (await post('/api/v1/orders', body).expect(201)).body;
    await t.waitForSaga(placed.sagaId);
    return (await get(`/api/v1/orders/${placed.id}`).expect(200)).body;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { ...ORDER_SAGA_V1, SHIPPING_COUNTRIES: 'US,DE', API_KEYS: `orchestrator:service:${SERVICE_KEY},shop:admin:${ADMIN_KEY}` } });
    address = `127.0.0.1:${t.config.grpcPort}`;
    await post('/api/v1/products', { id: 'ship_beans', name: 'beans', price: '10.00', stock: STOCK.ship_beans }).expect(201);
    await post('/api/v1/products', { id: 'ship_big', name: 'big', price: '400.00', stock: STOCK.ship_big }).expect(201);
  });
  afterAll(() => t?.close());

  describe('CreateShipment and CancelShipment', () => {
    it('creates one shipment per order; asked again, on the bus or over gRPC, it answers the same and writes nothing more', async () => {
      const orderId = randomUUID();
      const first = await bus().execute(new CreateShipment({ orderId, address: { ...ADDRESS, country: 'us' }, lines: LINES }));
      expect(first).toMatchObject({ type: 'shipping.ShipmentCreated', data: { orderId, shipmentId: expect.any(String) } });
      const again = await bus().execute(new CreateShipment({ orderId, address: { ...ADDRESS, city: 'Elsewhere' }, lines: LINES }));
      expect(again.data).toEqual(first.data);
      const grpc = await rpc('ShippingService.CreateShipment', { idempotency_key: `create-${orderId}`, order_id: orderId, address: { ...ADDRESS, zip_code: '94105' }, lines: [{ product_id: 'ship_beans', quantity: 2 }] });
      expect(grpc).toEqual({ created: true, shipment_id: first.data.shipmentId, reason: '' });
      expect(await shipments(orderId)).toEqual([{ status: 'CREATED', reason: null }]);

      // As it was first asked: the address upper-cased, the lines and their units.
      const view = (await get(`/api/v1/orders/${orderId}/shipment`).expect(200)).body;
      expect(view).toMatchObject({ id: first.data.shipmentId, orderId, status: 'CREATED', reason: null, address: ADDRESS, lines: LINES, units: 2 });
      expect(await rpc('ShippingService.GetShipment', { order_id: orderId })).toMatchObject({ id: view.id, status: 'CREATED', units: 2, address: { city: 'San Francisco', zip_code: '94105', country: 'US' } });
      await bus().execute(new CancelShipment({ orderId })); // no order placed it: the checker would rightly object to it
      await t.drain();
    });

    it('a business "no" is kept: COUNTRY_NOT_SERVED outside SHIPPING_COUNTRIES, ADDRESS_MISSING without an address; asked again, the same', async () => {
      const abroad = randomUUID();
      const refused = await bus().execute(new CreateShipment({ orderId: abroad, address: { ...ADDRESS, country: 'FR' }, lines: LINES }));
      expect(refused).toMatchObject({ type: 'shipping.ShipmentRejected', data: { orderId: abroad, reason: 'COUNTRY_NOT_SERVED' } });
      expect((await bus().execute(new CreateShipment({ orderId: abroad, address: ADDRESS, lines: LINES }))).data).toEqual(refused.data);
      expect(await shipments(abroad)).toEqual([{ status: 'REJECTED', reason: 'COUNTRY_NOT_SERVED' }]);

      const nowhere = randomUUID();
      expect(await rpc('ShippingService.CreateShipment', { idempotency_key: `create-${nowhere}`, order_id: nowhere, lines: [{ product_id: 'ship_beans', quantity: 1 }] })).toEqual({
        created: false,
        shipment_id: '',
        reason: 'ADDRESS_MISSING',
      });
      expect((await get(`/api/v1/orders/${nowhere}/shipment`).expect(200)).body).toMatchObject({ status: 'REJECTED', reason: 'ADDRESS_MISSING', address: null });
      await t.drain();
    });

    it('cancels a created shipment once (a repeat answers the same); with none it is a no-op success whose tombstone refuses a late creation', async () => {
      const orderId = randomUUID();
      await bus().execute(new CreateShipment({ orderId, address: ADDRESS, lines: LINES }));
      expect((await bus().execute(new CancelShipment({ orderId }))).data).toEqual({ orderId, cancelled: true });
      expect((await bus().execute(new CancelShipment({ orderId }))).data).toEqual({ orderId, cancelled: true });
      expect(await rpc('ShippingService.CancelShipment', { idempotency_key: `cancel-${orderId}`, order_id: orderId })).toEqual({ cancelled: true });
      expect(await shipments(orderId)).toEqual([{ status: 'CANCELLED', reason: null }]);
      // The creation happened: asked again, it still answers that it did.
      expect((await bus().execute(new CreateShipment({ orderId, address: ADDRESS, lines: LINES }))).type).toBe('shipping.ShipmentCreated');

      const early = randomUUID();
      expect((await bus().execute(new CancelShipment({ orderId: early }))).data).toEqual({ orderId: early, cancelled: false });
      expect((await bus().execute(new CreateShipment({ orderId: early, address: ADDRESS, lines: LINES }))).data).toEqual({ orderId: early, reason: 'CANCELLED' });
      expect(await shipments(early)).toEqual([{ status: 'CANCELLED', reason: 'CANCELLED_BEFORE_CREATED' }]);
      expect((await bus().execute(new CancelShipment({ orderId: early }))).data).toEqual({ orderId: early, cancelled: false });
      await t.drain();
    });

    it('GET /orders/:id/shipment answers 404 SHIPMENT_NOT_FOUND when the order has none; GetShipment NOT_FOUND', async () => {
      const none = randomUUID();
      expect((await get(`/api/v1/orders/${none}/shipment`).expect(404)).body).toMatchObject({ statusCode: 404, code: 'SHIPMENT_NOT_FOUND' });
      expect((await rpcError('ShippingService.GetShipment', { order_id: none }))?.code).toBe(status.NOT_FOUND);
    });

    it('refuses a gRPC CreateShipment with a bad address (INVALID_ARGUMENT naming the field) and writes nothing', async () => {
      const orderId = randomUUID();
      const error = await rpcError('ShippingService.CreateShipment', { idempotency_key: `bad-${orderId}`, order_id: orderId, address: { ...ADDRESS, zip_code: '941#05' }, lines: [{ product_id: 'ship_beans', quantity: 1 }] });
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('address.zip_code') });
      expect(await shipments(orderId)).toEqual([]);
    });
  });

  describe('ShipReservation', () => {
    it("moves a confirmed order's reserved units to shipped, once; its release is then a no-op; the checker stays clean", async () => {
      const before = await stock('ship_beans');
      const order = await placedOrder({ customerId: 'cust_ship', items: [{ productId: 'ship_beans', quantity: 3, price: '10.00' }], shippingAddress: ADDRESS });
      expect(order.status).toBe('CONFIRMED');
      expect(await stock('ship_beans')).toMatchObject({ available: before.available - 3, reserved: before.reserved + 3, shipped: before.shipped });

      expect((await bus().execute(new ShipReservation({ orderId: order.id }))).data).toEqual({ orderId: order.id, shipped: true });
      const shipped = { available: before.available - 3, reserved: before.reserved, shipped: before.shipped + 3 };
      expect(await stock('ship_beans')).toMatchObject(shipped);
      // Asked again, on the bus or over gRPC: the same answer, nothing moves.
      expect((await bus().execute(new ShipReservation({ orderId: order.id }))).data).toEqual({ orderId: order.id, shipped: true });
      expect(await rpc('InventoryService.ShipReservation', { idempotency_key: `ship-${order.id}`, order_id: order.id })).toEqual({ shipped: true });
      expect(await rpc('InventoryService.GetStock', { product_id: 'ship_beans' })).toMatchObject(shipped);
      const { rows } = await t.sql.query('SELECT status FROM inventory.reservations WHERE order_id = $1', [order.id]);
      expect(rows).toEqual([{ status: 'SHIPPED' }]);

      // Gone from the warehouse: releasing it gives nothing back.
      expect((await bus().execute(new ReleaseInventory({ orderId: order.id }))).data).toEqual({ orderId: order.id, released: false });
      expect(await stock('ship_beans')).toMatchObject(shipped);

      await bus().execute(new CreateShipment({ orderId: order.id, address: ADDRESS, lines: [{ productId: 'ship_beans', quantity: 3 }] }));
      await t.drain();
      await expectBalanced(t.sql, STOCK);
    });

    it('does not ship a released reservation: a no-op success, its units stay on the shelf', async () => {
      const before = await stock('ship_big');
      const order = await placedOrder({ customerId: 'cust_ship', items: [{ productId: 'ship_big', quantity: 2, price: '400.00' }] }); // 800.00: declined
      expect(order.status).toBe('CANCELLED');
      expect((await bus().execute(new ShipReservation({ orderId: order.id }))).data).toEqual({ orderId: order.id, shipped: false });
      expect(await stock('ship_big')).toEqual(before);
      const { rows } = await t.sql.query('SELECT status FROM inventory.reservations WHERE order_id = $1', [order.id]);
      expect(rows).toEqual([{ status: 'RELEASED' }]);
      // No reservation at all: a no-op success too.
      const none = randomUUID();
      expect(await rpc('InventoryService.ShipReservation', { idempotency_key: `ship-${none}`, order_id: none })).toEqual({ shipped: false });
      await t.drain();
      await expectBalanced(t.sql, STOCK);
    });

    it('the checker reports a cancelled order with a created shipment', async () => {
      const order = await placedOrder({ customerId: 'cust_ship', items: [{ productId: 'ship_big', quantity: 2, price: '400.00' }], shippingAddress: ADDRESS });
      expect(order.status).toBe('CANCELLED');
      await bus().execute(new CreateShipment({ orderId: order.id, address: ADDRESS, lines: [{ productId: 'ship_big', quantity: 2 }] }));
      await t.drain();
      expect(await checkConsistency(t.sql, 5_000)).toEqual([{ invariant: 'SHIPMENT_ORDER_NOT_LIVE', subject: order.id, detail: 'shipment CREATED, order CANCELLED' }]);
      await bus().execute(new CancelShipment({ orderId: order.id }));
      await t.drain();
      await expectBalanced(t.sql, STOCK);
    });
  });

  describe("an order's shipping address", () => {
    const items = [{ productId: 'ship_beans', quantity: 1, price: '10.00' }];

    /** Row counts of every table placing an order writes to, once the relay is idle. */
    async function footprint(): Promise<Record<string, number>> {
      await t.drain();
      const { rows } = await t.sql.query(`
        SELECT (SELECT count(*) FROM orders.orders)::int AS orders,
               (SELECT count(*) FROM orders.idempotency_keys)::int AS keys,
               (SELECT count(*) FROM saga.saga_instances)::int AS sagas,
               (SELECT count(*) FROM messaging.outbox)::int AS outbox`);
      return rows[0];
    }

    it.each([
      ['a postal code with other characters', { zipCode: '94105!' }, 'shippingAddress.zipCode'],
      ['an empty postal code', { zipCode: '' }, 'shippingAddress.zipCode'],
      ['a country that is not ISO 3166-1 alpha-2', { country: 'USA' }, 'shippingAddress.country'],
      ['an unknown country code', { country: 'XX' }, 'shippingAddress.country'],
      ['a missing city', { city: undefined }, 'shippingAddress.city'],
      ['a street too long', { street: 'x'.repeat(201) }, 'shippingAddress.street'],
      ['a state that is not text', { state: 7 }, 'shippingAddress.state'],
      ['a field it does not know', { floor: 3 }, 'shippingAddress.floor'],
    ])('refuses %s with 400 naming the field, and writes nothing', async (_name, change, field) => {
      const before = await footprint();
      const res = await post('/api/v1/orders', { customerId: 'cust_addr', items, shippingAddress: { ...ADDRESS, ...change } }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await footprint()).toEqual(before);
    });

    it('refuses an address that is not an object', async () => {
      const before = await footprint();
      const res = await post('/api/v1/orders', { customerId: 'cust_addr', items, shippingAddress: '1 Market Street' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['shippingAddress']);
      expect(await footprint()).toEqual(before);
    });

    it('is stored as placed (country upper-case), shown in the order, and carried in the saga data', async () => {
      const res = await post('/api/v1/orders', { customerId: 'cust_addr', items, shippingAddress: { ...ADDRESS, country: 'de', state: undefined } }).expect(201);
      const expected = { street: ADDRESS.street, city: ADDRESS.city, zipCode: ADDRESS.zipCode, country: 'DE' };
      expect(res.body.shippingAddress).toEqual(expected);
      expect((await get(`/api/v1/orders/${res.body.id}`).expect(200)).body.shippingAddress).toEqual(expected);
      const { rows } = await t.sql.query('SELECT data FROM saga.saga_instances WHERE id = $1', [res.body.sagaId]);
      expect(rows[0].data.shippingAddress).toEqual(expected);
      await t.waitForSaga(res.body.sagaId);
    });

    it('counts in the idempotency key only when given: an old request without it replays, one with another address is refused', async () => {
      // A key claimed before addresses existed: its hash is of the customer and items alone.
      const old = { customerId: 'cust_old', items: [{ productId: 'ship_beans', quantity: 1, price: '10.00' }] };
      const hash = createHash('sha256').update(JSON.stringify(old)).digest('hex');
      const answer = { id: randomUUID(), status: 'CONFIRMED', customerId: 'cust_old' };
      await t.sql.query('INSERT INTO orders.idempotency_keys (key, request_hash, response) VALUES ($1, $2, $3)', ['key-before-addresses', hash, answer]);
      const replay = await post('/api/v1/orders', old, 'key-before-addresses').expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(answer);

      const body = { customerId: 'cust_addr', items, shippingAddress: ADDRESS };
      const first = await post('/api/v1/orders', body, 'key-with-address').expect(201);
      const again = await post('/api/v1/orders', { ...body, shippingAddress: { ...ADDRESS, country: 'us' } }, 'key-with-address').expect(201);
      expect(again.body).toEqual(first.body);
      await post('/api/v1/orders', { ...body, shippingAddress: { ...ADDRESS, zipCode: '94106' } }, 'key-with-address').expect(422);
      await post('/api/v1/orders', { customerId: 'cust_addr', items }, 'key-with-address').expect(422);
      await t.waitForSaga(first.body.sagaId);
    });

    it('is optional: an order without one is placed and confirmed as before, over REST and gRPC', async () => {
      const rest = await placedOrder({ customerId: 'cust_plain', items });
      expect(rest).toMatchObject({ status: 'CONFIRMED', shippingAddress: null });
      const { rows } = await t.sql.query('SELECT data FROM saga.saga_instances WHERE data->>\'orderId\' = $1', [rest.id]);
      expect(rows[0].data).not.toHaveProperty('shippingAddress');

      const grpc = await rpc('OrderService.CreateOrder', { idempotency_key: 'grpc-plain', customer_id: 'cust_plain', items: [{ product_id: 'ship_beans', quantity: 1, price: '10.00' }] });
      expect(grpc).toMatchObject({ status: 'PENDING', replayed: false });
      expect(grpc.shipping_address).toBeNull();
      await t.waitForSaga(grpc.saga_id);
      expect(await rpc('OrderService.GetOrder', { order_id: grpc.id })).toMatchObject({ status: 'CONFIRMED', shipping_address: null });
    });

    it('is taken over gRPC too, and refused there naming the field', async () => {
      const req = { idempotency_key: 'grpc-addr', customer_id: 'cust_addr', items: [{ product_id: 'ship_beans', quantity: 1, price: '10.00' }] };
      const placed = await rpc('OrderService.CreateOrder', { ...req, shipping_address: { street: ADDRESS.street, city: ADDRESS.city, zip_code: '94105', country: 'us' } });
      expect(placed.shipping_address).toEqual({ street: ADDRESS.street, city: ADDRESS.city, state: '', zip_code: '94105', country: 'US' });
      await t.waitForSaga(placed.saga_id);
      const { rows: before } = await t.sql.query('SELECT count(*)::int AS n FROM orders.orders');
      const error = await rpcError('OrderService.CreateOrder', { ...req, idempotency_key: 'grpc-addr-bad', shipping_address: { street: ADDRESS.street, city: ADDRESS.city, zip_code: '94105', country: 'ZZ' } });
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('shipping_address.country') });
      expect((await t.sql.query('SELECT count(*)::int AS n FROM orders.orders')).rows).toEqual(before);
      await expectBalanced(t.sql, STOCK);
    });
  });
});
