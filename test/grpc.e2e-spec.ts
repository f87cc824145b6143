import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { call, listServices } from '../scripts/grpc-client.mjs';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { PARTICIPANT_RPC } from './support/participant-rpcs.js';

describe('gRPC surface', () => {
  let t: TestApp;
  let address: string;
  // The participants' RPCs need a service key in every mode; the rest is called as an admin.
  const SERVICE_KEY = 'grpc-test-service-key-0001';
  const ADMIN_KEY = 'grpc-test-admin-key-00001';
  const rpc = (target: string, req: object) => call(address, target, req, { apiKey: PARTICIPANT_RPC.test(target) ? SERVICE_KEY : ADMIN_KEY });
  const rpcError = async (target: string, req: object) => {
    const error = await rpc(target, req).then(() => null, (e: { code: number; details: string }) => e);
    if (!error) throw new Error(`${target} succeeded`);
    return error;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { API_KEYS: `orchestrator:service:${SERVICE_KEY},shop:admin:${ADMIN_KEY}` } });
    address = `127.0.0.1:${t.config.grpcPort}`;
    await request(t.http).post('/api/v1/products').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ id: 'grpc_beans', name: 'beans', price: '19.99', stock: 20 }).expect(201);
  });
  afterAll(() => t?.close());

  it('announces every service through server reflection', async () => {
    const services = await listServices(address);
    expect(services).toEqual(expect.arrayContaining(['order.v1.OrderService', 'inventory.v1.InventoryService', 'payment.v1.PaymentService', 'saga.v1.SagaService', 'notification.v1.NotificationService']));
  });

  it('CreateOrder places an order that the saga confirms; GetOrder and REST agree', async () => {
    const created = await rpc('OrderService.CreateOrder', {
      idempotency_key: 'grpc-1',
      customer_id: 'cust_grpc',
      items: [{ product_id: 'grpc_beans', quantity: 2, price: '19.99' }],
    });
    expect(created).toMatchObject({ status: 'PENDING', customer_id: 'cust_grpc', total_amount: '39.98', replayed: false });
    expect(created.items).toEqual([{ product_id: 'grpc_beans', quantity: 2, price: '19.99' }]);
    await t.drain();

    const got = await rpc('OrderService.GetOrder', { order_id: created.id });
    expect(got).toMatchObject({ id: created.id, status: 'CONFIRMED', saga_id: created.saga_id, failure_reason: '' });
    const rest = (await request(t.http).get(`/api/v1/orders/${created.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200)).body;
    expect({ status: got.status, total: got.total_amount, created: got.created_at }).toEqual({ status: rest.status, total: rest.totalAmount, created: rest.createdAt });

    const saga = await rpc('SagaService.GetSaga', { saga_id: created.saga_id });
    expect(saga).toMatchObject({ status: 'COMPLETED', order_id: created.id });
    expect(saga.history.map((h: { step: string }) => h.step)).toEqual(['create-order', 'reserve-inventory', 'authorize-payment', 'capture-payment', 'ship-inventory', 'confirm-order', 'notify-customer']);
    expect(await rpc('PaymentService.GetPayment', { order_id: created.id })).toMatchObject({ status: 'CAPTURED', amount: '39.98' });
    expect(await rpc('InventoryService.GetStock', { product_id: 'grpc_beans' })).toMatchObject({ available: 18, reserved: 0, shipped: 2 });
  });

  it('CreateOrder with the same idempotency_key replays; with another request it is refused', async () => {
    const req = { idempotency_key: 'grpc-2', customer_id: 'cust_grpc2', items: [{ product_id: 'grpc_beans', quantity: 1, price: '19.99' }] };
    const first = await rpc('OrderService.CreateOrder', req);
    const again = await rpc('OrderService.CreateOrder', req);
    expect(again).toMatchObject({ id: first.id, replayed: true });
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n FROM orders.orders WHERE customer_id = 'cust_grpc2'`);
    expect(rows[0].n).toBe(1);
    const mismatch = await rpcError('OrderService.CreateOrder', { ...req, items: [{ ...req.items[0], quantity: 2 }] });
    expect(mismatch.code).toBe(status.FAILED_PRECONDITION);
    await t.drain();
  });

  it('answers NOT_FOUND for unknown ids and INVALID_ARGUMENT for bad requests, changing nothing', async () => {
    for (const [target, req] of [
      ['OrderService.GetOrder', { order_id: '00000000-0000-4000-8000-000000000000' }],
      ['SagaService.GetSaga', { saga_id: '00000000-0000-4000-8000-000000000000' }],
      ['PaymentService.GetPayment', { order_id: 'nope' }],
      ['InventoryService.GetStock', { product_id: 'nope' }],
    ] as const) {
      expect({ target, code: (await rpcError(target, req)).code }).toEqual({ target, code: status.NOT_FOUND });
    }
    // An id that cannot be one (order and saga ids are UUIDs) is a bad request, not a lookup.
    expect((await rpcError('OrderService.GetOrder', { order_id: 'not-an-id' })).code).toBe(status.INVALID_ARGUMENT);
    const before = await t.sql.query('SELECT count(*)::int AS n FROM orders.orders');
    const bad = [
      { idempotency_key: '', customer_id: 'c', items: [{ product_id: 'grpc_beans', quantity: 1, price: '1.00' }] }, // key required
      { idempotency_key: 'b1', customer_id: 'c', items: [] },
      { idempotency_key: 'b2', customer_id: 'c', items: [{ product_id: 'grpc_beans', quantity: 0, price: '1.00' }] },
      { idempotency_key: 'b3', customer_id: 'c', items: [{ product_id: 'grpc_beans', quantity: 1, price: '1.001' }] },
      { idempotency_key: 'b4', customer_id: '', items: [{ product_id: 'grpc_beans', quantity: 1, price: '1.00' }] },
    ];
    for (const req of bad) {
      const error = await rpcError('OrderService.CreateOrder', req);
      expect({ req, code: error.code }).toEqual({ req, code: status.INVALID_ARGUMENT });
      expect(error.details).not.toMatch(/\bat .*:\d+/);
    }
    expect((await t.sql.query('SELECT count(*)::int AS n FROM orders.orders')).rows).toEqual(before.rows);
  });

  it('participant RPCs are no-ops when repeated with the same key', async () => {
    const reserve = { idempotency_key: 'res-1', order_id: 'manual-order-1', lines: [{ product_id: 'grpc_beans', quantity: 3 }] };
    const first = await rpc('InventoryService.ReserveInventory', reserve);
    expect(first).toMatchObject({ reserved: true });
    expect(await rpc('InventoryService.ReserveInventory', reserve)).toEqual(first);
    // Another key for the same order is still one reservation: reserving is idempotent per order.
    expect(await rpc('InventoryService.ReserveInventory', { ...reserve, idempotency_key: 'res-2' })).toEqual(first);
    const held = await rpc('InventoryService.GetStock', { product_id: 'grpc_beans' });

    const release = { idempotency_key: 'rel-1', order_id: 'manual-order-1' };
    expect(await rpc('InventoryService.ReleaseInventory', release)).toEqual({ released: true });
    expect(await rpc('InventoryService.ReleaseInventory', release)).toEqual({ released: true });
    expect(await rpc('InventoryService.ReleaseInventory', { ...release, idempotency_key: 'rel-2' })).toEqual({ released: true });
    const after = await rpc('InventoryService.GetStock', { product_id: 'grpc_beans' });
    expect(after).toMatchObject({ available: held.available + 3, reserved: held.reserved - 3 });

    const pay = { idempotency_key: 'pay-1', order_id: 'manual-order-2', customer_id: 'c', amount: '12.50' };
    const charged = await rpc('PaymentService.ProcessPayment', pay);
    expect(charged).toMatchObject({ status: 'CAPTURED', amount: '12.50' });
    expect(await rpc('PaymentService.ProcessPayment', pay)).toMatchObject({ id: charged.id, status: 'CAPTURED' });
    expect(await rpc('PaymentService.ProcessPayment', { ...pay, amount: '9999.00', idempotency_key: 'pay-2' })).toMatchObject({ id: charged.id, amount: '12.50' });
    const refund = { idempotency_key: 'ref-1', order_id: 'manual-order-2' };
    expect(await rpc('PaymentService.RefundPayment', refund)).toEqual({ refunded: true });
    expect(await rpc('PaymentService.RefundPayment', refund)).toEqual({ refunded: true });
    expect(await rpc('PaymentService.RefundPayment', { ...refund, idempotency_key: 'ref-2' })).toEqual({ refunded: true });
    // Nothing captured: a refund succeeds and changes nothing.
    expect(await rpc('PaymentService.RefundPayment', { idempotency_key: 'ref-3', order_id: 'never-paid' })).toEqual({ refunded: false });
    const { rows } = await t.sql.query(`SELECT status, amount FROM payment.payments WHERE order_id = 'manual-order-2'`);
    expect(rows).toEqual([{ status: 'REFUNDED', amount: '12.50' }]);

    const declined = await rpc('PaymentService.ProcessPayment', { ...pay, order_id: 'manual-order-3', amount: '500.01', idempotency_key: 'pay-3' });
    expect(declined).toMatchObject({ status: 'DECLINED', reason: 'CARD_DECLINED' });
    // A release before any reservation leaves a tombstone: the late reservation is refused.
    expect(await rpc('InventoryService.ReleaseInventory', { idempotency_key: 'rel-3', order_id: 'manual-order-4' })).toEqual({ released: false });
    const late = await rpc('InventoryService.ReserveInventory', { ...reserve, idempotency_key: 'res-4', order_id: 'manual-order-4' });
    expect(late).toMatchObject({ reserved: false, reason: 'RELEASED' });
    // Replies to direct calls have no saga to go to: nothing is left in the outbox.
    await t.drain();
    await expectBalanced(t.sql, { grpc_beans: 20 });
  });
});
