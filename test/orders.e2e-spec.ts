import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('order saga over HTTP', () => {
  let t: TestApp;
  const initialStock = { e2e_beans: 10, e2e_kettle: 5, e2e_grinder: 2 };

  beforeAll(async () => {
    t = await startTestApp();
    for (const [id, stock] of Object.entries(initialStock)) {
      await request(t.http).post('/api/v1/products').send({ id, name: id, price: '19.99', stock }).expect(201);
    }
  });
  afterAll(() => t?.close());

  const place = (items: object[], customerId = 'cust_1') =>
    request(t.http).post('/api/v1/orders').send({ customerId, items });

  it('happy path: the order is confirmed, stock is taken and the payment captured', async () => {
    const res = await place([{ productId: 'e2e_beans', quantity: 3, price: 19.99 }]).expect(201);
    expect(res.body).toMatchObject({
      status: 'PENDING',
      customerId: 'cust_1',
      totalAmount: '59.97',
      items: [{ productId: 'e2e_beans', quantity: 3, price: '19.99' }],
    });
    await t.drain();

    const order = await request(t.http).get(`/api/v1/orders/${res.body.id}`).expect(200);
    expect(order.body).toMatchObject({ status: 'CONFIRMED', failureReason: null, sagaId: res.body.sagaId });
    const stock = await request(t.http).get('/api/v1/products/e2e_beans').expect(200);
    expect(stock.body).toMatchObject({ available: 7, reserved: 3 });
    const payment = await request(t.http).get(`/api/v1/orders/${res.body.id}/payment`).expect(200);
    expect(payment.body).toMatchObject({ orderId: res.body.id, amount: '59.97', status: 'CAPTURED' });

    const saga = await request(t.http).get(`/api/v1/orders/${res.body.id}/saga`).expect(200);
    expect(saga.body).toMatchObject({ id: res.body.sagaId, type: 'place-order', status: 'COMPLETED', orderId: res.body.id });
    expect(saga.body.history.map((h: { step: string; action: string; status: string }) => [h.step, h.action, h.status])).toEqual([
      ['create-order', 'execute', 'SUCCEEDED'],
      ['reserve-inventory', 'execute', 'SUCCEEDED'],
      ['process-payment', 'execute', 'SUCCEEDED'],
      ['confirm-order', 'execute', 'SUCCEEDED'],
    ]);
    await expectBalanced(t.sql, initialStock);
  });
});
