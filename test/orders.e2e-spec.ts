import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type HistoryRow = { step: string; action: string; status: string; message: string | null };
const steps = (history: HistoryRow[]) => history.map((h) => [h.step, h.action, h.status]);

describe('order saga over HTTP', () => {
  let t: TestApp;
  const initialStock = { e2e_beans: 50, e2e_kettle: 5, e2e_grinder: 4 };

  beforeAll(async () => {
    t = await startTestApp();
    for (const [id, stock] of Object.entries(initialStock)) {
      await request(t.http).post('/api/v1/products').send({ id, name: id, price: '19.99', stock }).expect(201);
    }
  });
  afterAll(() => t?.close());

  const place = (items: object[], customerId = 'cust_1') => request(t.http).post('/api/v1/orders').send({ customerId, items });
  const stockOf = async (id: string) => (await request(t.http).get(`/api/v1/products/${id}`).expect(200)).body;
  const sagaOf = async (orderId: string) => (await request(t.http).get(`/api/v1/orders/${orderId}/saga`).expect(200)).body;

  it('happy path: the order is confirmed, stock is shipped and the payment captured, the customer notified', async () => {
    const before = await stockOf('e2e_beans');
    const res = await place([{ productId: 'e2e_beans', quantity: 3, price: 19.99 }]).expect(201);
    expect(res.body).toMatchObject({
      status: 'PENDING',
      customerId: 'cust_1',
      totalAmount: '59.97',
      items: [{ productId: 'e2e_beans', quantity: 3, price: '19.99' }],
    });
    await t.drain();

    const order = await request(t.http).get(`/api/v1/orders/${res.body.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CONFIRMED', failureReason: null, sagaId: res.body.sagaId, totalAmount: '59.97' });
    // Held, then made final: the reserved units left stock for good (no address: nothing to ship to a door).
    expect(await stockOf('e2e_beans')).toMatchObject({ available: before.available - 3, reserved: before.reserved, shipped: before.shipped + 3 });
    const payment = await request(t.http).get(`/api/v1/orders/${res.body.id}/payment`).expect(200);
    expect(payment.body).toMatchObject({ orderId: res.body.id, amount: '59.97', status: 'CAPTURED' });

    const saga = await sagaOf(res.body.id);
    expect(saga).toMatchObject({ id: res.body.sagaId, type: 'place-order', status: 'COMPLETED', orderId: res.body.id });
    expect(steps(saga.history)).toEqual([
      ['create-order', 'execute', 'SUCCEEDED'],
      ['reserve-inventory', 'execute', 'SUCCEEDED'],
      ['authorize-payment', 'execute', 'SUCCEEDED'],
      ['capture-payment', 'execute', 'SUCCEEDED'],
      ['ship-inventory', 'execute', 'SUCCEEDED'],
      ['confirm-order', 'execute', 'SUCCEEDED'],
      ['notify-customer', 'execute', 'SUCCEEDED'],
    ]);
    const notified = await request(t.http).get(`/api/v1/orders/${res.body.id}/notifications`).expect(200);
    expect(notified.body.map((n: { kind: string }) => n.kind)).toEqual(['ORDER_CONFIRMED']);
    const bySagaId = await request(t.http).get(`/api/v1/sagas/${res.body.sagaId}`).expect(200);
    expect(bySagaId.body).toEqual(saga);
    await expectBalanced(t.sql, initialStock);
  });

  it('a declined payment compensates: stock restored, order CANCELLED with the reason, nothing captured', async () => {
    const before = await stockOf('e2e_grinder');
    // 2 × 300.00 = 600.00, above the default PAYMENT_DECLINE_ABOVE of 500.00
    const res = await place([{ productId: 'e2e_grinder', quantity: 2, price: '300.00' }]).expect(201);
    expect(res.body.totalAmount).toBe('600.00');
    await t.drain();

    const order = await request(t.http).get(`/api/v1/orders/${res.body.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CANCELLED', failureReason: 'CARD_DECLINED' });
    expect(await stockOf('e2e_grinder')).toEqual(before);
    const payment = await request(t.http).get(`/api/v1/orders/${res.body.id}/payment`).expect(200);
    expect(payment.body.status).toBe('DECLINED');

    const saga = await sagaOf(res.body.id);
    expect(saga).toMatchObject({ status: 'COMPENSATED', failureReason: 'CARD_DECLINED' });
    // The stock was held while the card was asked: compensation releases it, then cancels the
    // order. The hold that said no is not compensated: nothing was taken.
    expect(steps(saga.history)).toEqual([
      ['create-order', 'execute', 'SUCCEEDED'],
      ['reserve-inventory', 'execute', 'SUCCEEDED'],
      ['authorize-payment', 'execute', 'FAILED'],
      ['reserve-inventory', 'compensate', 'SUCCEEDED'],
      ['create-order', 'compensate', 'SUCCEEDED'],
    ]);
    expect(saga.history[2].message).toBe('CARD_DECLINED');
    const { rows } = await t.sql.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [res.body.id]);
    expect(rows).toEqual([{ status: 'RELEASED' }]);
    await expectBalanced(t.sql, initialStock);
  });

  it('short stock cancels the order; the card hold taken at the same time is voided, nothing captured', async () => {
    const before = await stockOf('e2e_kettle');
    const res = await place([
      { productId: 'e2e_beans', quantity: 1, price: '19.99' },
      { productId: 'e2e_kettle', quantity: 6, price: '10.00' },
    ]).expect(201);
    await t.drain();

    const order = await request(t.http).get(`/api/v1/orders/${res.body.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CANCELLED', failureReason: 'OUT_OF_STOCK' });
    expect(await stockOf('e2e_kettle')).toEqual(before);
    const { rows } = await t.sql.query('SELECT status, amount::text FROM payment.payments WHERE order_id = $1', [res.body.id]);
    expect(rows).toEqual([{ status: 'VOIDED', amount: '79.99' }]);
    expect(steps((await sagaOf(res.body.id)).history)).toEqual([
      ['create-order', 'execute', 'SUCCEEDED'],
      ['reserve-inventory', 'execute', 'FAILED'],
      ['authorize-payment', 'execute', 'SUCCEEDED'],
      ['authorize-payment', 'compensate', 'SUCCEEDED'],
      ['create-order', 'compensate', 'SUCCEEDED'],
    ]);
    await expectBalanced(t.sql, initialStock);
  });

  it('an unknown product cancels the order', async () => {
    const res = await place([{ productId: 'no_such_product', quantity: 1, price: '1.00' }]).expect(201);
    await t.drain();
    const order = await request(t.http).get(`/api/v1/orders/${res.body.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CANCELLED', failureReason: 'UNKNOWN_PRODUCT' });
    await expectBalanced(t.sql, initialStock);
  });

  it('lists a customer\'s orders newest first, paged by cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await place([{ productId: 'e2e_beans', quantity: 1, price: '1.00' }], 'cust_pages').expect(201)).body.id);
    const first = await request(t.http).get('/api/v1/customers/cust_pages/orders?limit=2').expect(200);
    expect(first.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.items[0].items).toEqual([{ productId: 'e2e_beans', quantity: 1, price: '1.00' }]);
    const second = await request(t.http).get(`/api/v1/customers/cust_pages/orders?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    await request(t.http).get('/api/v1/customers/cust_pages/orders?cursor=garbage').expect(400);
    await request(t.http).get('/api/v1/customers/cust_pages/orders?limit=0').expect(400);
    await t.drain();
  });

  it('answers 404 for unknown ids and 400 for ids that cannot be one, never a 500', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/api/v1/orders/${unknown}`,
      `/api/v1/orders/${unknown}/saga`,
      `/api/v1/orders/${unknown}/payment`,
      `/api/v1/sagas/${unknown}`,
      '/api/v1/products/no_such_product',
    ]) {
      const res = await request(t.http).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).toMatchObject({ statusCode: 404, code: expect.stringMatching(/_NOT_FOUND$/) });
      expect(res.body.correlationId).toBe(res.headers['x-correlation-id']);
    }
    for (const path of ['/api/v1/orders/not-a-uuid', '/api/v1/orders/not-a-uuid/saga', '/api/v1/sagas/not-a-uuid']) {
      const res = await request(t.http).get(path);
      expect({ path, status: res.status, body: res.body }).toMatchObject({ path, status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'id', messages: ['id must be a UUID'] }] } });
    }
  });

  it('serves health and the OpenAPI document with a summary on every operation', async () => {
    expect((await request(t.http).get('/health').expect(200)).body).toEqual({ status: 'ok', database: 'up', relay: 'running' });
    expect((await request(t.http).get('/health/live').expect(200)).body.status).toBe('ok');
    const ready = (await request(t.http).get('/health/ready').expect(200)).body;
    expect(ready).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' }, relay: { status: 'up', state: 'running' }, outbox: { status: 'up' } },
    });
    const doc = (await request(t.http).get('/docs-json').expect(200)).body;
    const operations = Object.values(doc.paths as Record<string, Record<string, { summary?: string }>>).flatMap((p) => Object.values(p));
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const op of operations) expect(op.summary).toEqual(expect.any(String));
    expect(doc.paths['/api/v1/orders'].post.responses['201']).toBeDefined();
    expect(doc.components.schemas.SagaViewDto).toBeDefined();
    await request(t.http).get('/docs').expect(200);
  });
});
