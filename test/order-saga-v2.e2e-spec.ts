import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuthorizePayment } from '../src/payment/payment.messages.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { ReserveInventory } from '../src/inventory/inventory.messages.js';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PRODUCT = 'v2_kettles';
const initialStock = { [PRODUCT]: 50 };
const address = { street: '1 Market Street', city: 'San Francisco', state: 'CA', zipCode: '94105', country: 'US' };

/** The README's runs of the order saga v2 (PLACE_ORDER_SAGA_VERSION=2), over HTTP through the real app. */
describe('order saga v2: held at once, captured, shipped, confirmed, notified', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const place = async (quantity: number, withAddress = true, to: object = address) =>
    (
      await request(t.http)
        .post('/api/v1/orders')
        .send({ customerId: 'cust_v2', items: [{ productId: PRODUCT, quantity, price: '20.00' }], ...(withAddress && { shippingAddress: to }) })
        .expect(201)
    ).body as { id: string; sagaId: string };
  const historyOf = async (sagaId: string) =>
    (
      await t.sql.query(
        `SELECT step, action, status, message, (extract(epoch FROM started_at) * 1000)::float8 AS started, (extract(epoch FROM finished_at) * 1000)::float8 AS finished
           FROM saga.saga_steps WHERE saga_id = $1 ORDER BY id`,
        [sagaId],
      )
    ).rows as { step: string; action: string; status: string; message: string | null; started: number; finished: number | null }[];
  const steps = (history: Awaited<ReturnType<typeof historyOf>>) => history.map((h) => `${h.step}/${h.action}:${h.status}`);
  /** Every module's rows of the order, as the API shows them. */
  const rowsOf = async (orderId: string) => ({
    order: (await request(t.http).get(`/api/v1/orders/${orderId}`).expect(200)).body.status,
    payment: (await request(t.http).get(`/api/v1/orders/${orderId}/payment`).expect(200)).body.status,
    shipment: (await request(t.http).get(`/api/v1/orders/${orderId}/shipment`)).body.status ?? 'NONE',
    reservation: (await t.sql.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [orderId])).rows[0]?.status,
    notifications: (await request(t.http).get(`/api/v1/orders/${orderId}/notifications`).expect(200)).body.map((n: { kind: string }) => n.kind),
  });
  const stock = async () => (await t.sql.query(`SELECT available, reserved, shipped FROM inventory.products WHERE id = $1`, [PRODUCT])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ env: { PLACE_ORDER_SAGA_VERSION: '2', SHIPPING_COUNTRIES: 'US,CA', SAGA_RETRY_ATTEMPTS: '2', SAGA_RETRY_DELAY_MS: '20', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' } });
    faults = t.app.get(FaultInjector);
    await request(t.http).post('/api/v1/products').send({ id: PRODUCT, name: PRODUCT, price: '20.00', stock: initialStock[PRODUCT] }).expect(201);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  it('a happy order holds stock and money at once, captures, ships, confirms and notifies', async () => {
    for (const type of [ReserveInventory.type, AuthorizePayment.type]) faults.setLatency(type, 200);
    const before = await stock();
    const order = await place(3);
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    expect(await rowsOf(order.id)).toEqual({ order: 'CONFIRMED', payment: 'CAPTURED', shipment: 'CREATED', reservation: 'SHIPPED', notifications: ['ORDER_CONFIRMED'] });
    // The units left stock for good: available + reserved + shipped is still what was stocked.
    expect(await stock()).toEqual({ available: before.available - 3, reserved: before.reserved, shipped: before.shipped + 3 });
    const history = await historyOf(order.sagaId);
    expect(steps(history)).toEqual([
      'create-order/execute:SUCCEEDED',
      'reserve-inventory/execute:SUCCEEDED',
      'authorize-payment/execute:SUCCEEDED',
      'capture-payment/execute:SUCCEEDED',
      'create-shipment/execute:SUCCEEDED',
      'ship-inventory/execute:SUCCEEDED',
      'confirm-order/execute:SUCCEEDED',
      'notify-customer/execute:SUCCEEDED',
    ]);
    // Both holds were sent by one transaction and were in flight together (each took 200 ms):
    // one after the other, the second would start only once the first had finished.
    const [reserve, authorize] = history.slice(1, 3);
    expect(reserve.started).toBe(authorize.started);
    expect(Math.max(reserve.started, authorize.started)).toBeLessThan(Math.min(reserve.finished!, authorize.finished!));
    // The capture was sent once both had answered (each took 200 ms), not beside them.
    expect(history[3].started - reserve.started).toBeGreaterThanOrEqual(200);
    await t.drain();
    expect(await checkConsistency(t.sql, 0)).toEqual([]);
    await expectBalanced(t.sql, initialStock);
  });

  it('an order without an address has nothing to ship: no shipment, and its units still leave stock', async () => {
    const order = await place(1, false);
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    expect(await rowsOf(order.id)).toEqual({ order: 'CONFIRMED', payment: 'CAPTURED', shipment: 'NONE', reservation: 'SHIPPED', notifications: ['ORDER_CONFIRMED'] });
    expect(steps(await historyOf(order.sagaId))).not.toContain('create-shipment/execute:SUCCEEDED');
  });

  it('a shipping failure refunds the payment, releases the stock and cancels the order, whose customer is told', async () => {
    faults.failNext('shipping.CreateShipment', Infinity); // the shipping service refuses every shipment it is asked for
    const before = await stock();
    const order = await place(2);
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    await t.drain();
    // The shipment may have happened (it failed past its attempts), so it is cancelled too.
    expect(await rowsOf(order.id)).toEqual({ order: 'CANCELLED', payment: 'REFUNDED', shipment: 'CANCELLED', reservation: 'RELEASED', notifications: ['ORDER_CANCELLED'] });
    expect(await stock()).toEqual(before);
    const undone = steps(await historyOf(order.sagaId)).filter((s) => s.includes('/compensate:'));
    expect(undone).toEqual([
      'create-shipment/compensate:SUCCEEDED',
      'capture-payment/compensate:SUCCEEDED',
      'authorize-payment/compensate:SUCCEEDED',
      'reserve-inventory/compensate:SUCCEEDED',
      'create-order/compensate:SUCCEEDED',
    ]);
    expect((await request(t.http).get(`/api/v1/orders/${order.id}`).expect(200)).body.failureReason).toBe('CREATE_SHIPMENT_FAILED');
    expect(await checkConsistency(t.sql, 0)).toEqual([]);
    await expectBalanced(t.sql, initialStock);
  });

  it('a shipment refused (a country not served) refunds the captured payment, releases the stock and cancels the order', async () => {
    const before = await stock();
    const order = await place(1, true, { street: 'Unter den Linden 1', city: 'Berlin', zipCode: '10117', country: 'DE' });
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    await t.drain();
    // The shipping service said no: its shipment never happened, so only what came before is undone.
    expect(await rowsOf(order.id)).toEqual({ order: 'CANCELLED', payment: 'REFUNDED', shipment: 'REJECTED', reservation: 'RELEASED', notifications: ['ORDER_CANCELLED'] });
    expect((await request(t.http).get(`/api/v1/orders/${order.id}`).expect(200)).body.failureReason).toBe('COUNTRY_NOT_SERVED');
    expect(steps(await historyOf(order.sagaId)).filter((s) => s.includes('/compensate:'))).toEqual([
      'capture-payment/compensate:SUCCEEDED',
      'authorize-payment/compensate:SUCCEEDED',
      'reserve-inventory/compensate:SUCCEEDED',
      'create-order/compensate:SUCCEEDED',
    ]);
    expect(await stock()).toEqual(before);
    expect(await checkConsistency(t.sql, 0)).toEqual([]);
  });

  it('a notification that cannot be sent leaves the order confirmed: recorded in the history, never undone', async () => {
    faults.setFailureRate('notification', 1);
    const order = await place(1);
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    expect(await rowsOf(order.id)).toEqual({ order: 'CONFIRMED', payment: 'CAPTURED', shipment: 'CREATED', reservation: 'SHIPPED', notifications: [] });
    const history = steps(await historyOf(order.sagaId));
    expect(history.filter((s) => s.startsWith('notify-customer/'))).toEqual(['notify-customer/execute:FAILED', 'notify-customer/execute:FAILED']);
    expect(history.some((s) => s.includes('/compensate:'))).toBe(false);
    expect(await checkConsistency(t.sql, 0)).toEqual([]);
  });

  it('a declined card while the stock is being held: the stock is released once held, nothing is captured', async () => {
    faults.setLatency(ReserveInventory.type, 200);
    const order = await place(30); // 600.00, above PAYMENT_DECLINE_ABOVE
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    await t.drain();
    expect(await rowsOf(order.id)).toEqual({ order: 'CANCELLED', payment: 'DECLINED', shipment: 'NONE', reservation: 'RELEASED', notifications: ['ORDER_CANCELLED'] });
    const history = await historyOf(order.sagaId);
    const declined = history.find((h) => h.step === 'authorize-payment')!;
    const released = history.find((h) => h.step === 'reserve-inventory' && h.action === 'compensate')!;
    const held = history.find((h) => h.step === 'reserve-inventory' && h.action === 'execute')!;
    // The "no" came first, but the release waited for the hold to answer.
    expect(declined.finished!).toBeLessThan(held.finished!);
    expect(released.started).toBeGreaterThanOrEqual(held.finished!);
    await expectBalanced(t.sql, initialStock);
  });
});
