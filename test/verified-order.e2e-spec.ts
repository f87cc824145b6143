import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { call } from '../scripts/grpc-client.mjs';
import { ReservationVerified, ReserveInventory, VerifyReservation } from '../src/inventory/inventory.messages.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { GrpcTransport } from '../src/messaging/grpc-transport.js';
import { AuthorizationNotVerified, AuthorizePayment, VerifyAuthorization } from '../src/payment/payment.messages.js';
import { CreateShipment } from '../src/shipping/shipping.messages.js';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { expectBalanced } from './support/assertions.js';
import { snapshotTables } from './support/table-snapshot.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'verified-admin-key-000001';
const SERVICE_KEY = 'verified-service-key-0001';
const PRODUCT = 'verified_crates';
const SCARCE = 'verified_rare';
const initialStock = { [PRODUCT]: 100, [SCARCE]: 1 };
const address = { street: '1 Dock Road', city: 'Rotterdam', zipCode: '3011 AA', country: 'nl' };
/** An order of `quantity` units at 10.00 each; PAYMENT_REVIEW_ABOVE is 100.00 here, so 11 or more go to review. */
const anOrder = (quantity: number, productId = PRODUCT) => ({ customerId: 'b2b_acme', items: [{ productId, quantity, price: '10.00' }], shippingAddress: address });

describe('verified-order: execute, verify, approve', () => {
  let t: TestApp;
  let faults: FaultInjector;
  /** The API as an admin (who may place orders and read everything, but not call the participants' RPCs). */
  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${ADMIN_KEY}`);
  const start = async (payload: object) => (await api('post', '/api/v1/sagas').send({ sagaType: 'verified-order', payload }).expect(201)).body;
  const rpc = (target: string, req: object, apiKey = SERVICE_KEY) => call(`127.0.0.1:${t.config.grpcPort}`, target, req, { apiKey }) as Promise<Record<string, unknown>>;
  /** The saga's history, oldest first, with its times in ms. */
  const historyOf = async (sagaId: string) =>
    (
      await t.sql.query(
        `SELECT step, action, status, message, (extract(epoch FROM started_at) * 1000)::float8 AS started, (extract(epoch FROM finished_at) * 1000)::float8 AS finished
           FROM saga.saga_steps WHERE saga_id = $1 ORDER BY id`,
        [sagaId],
      )
    ).rows as { step: string; action: string; status: string; message: string | null; started: number; finished: number | null }[];
  const steps = (history: Awaited<ReturnType<typeof historyOf>>) => history.map((h) => `${h.step}/${h.action}:${h.status}`);
  /** Every module's row of the order, as the API shows them. */
  const rowsOf = async (orderId: string) => ({
    order: (await api('get', `/api/v1/orders/${orderId}`).expect(200)).body.status,
    payment: (await api('get', `/api/v1/orders/${orderId}/payment`).expect(200)).body.status,
    shipment: (await api('get', `/api/v1/orders/${orderId}/shipment`).expect(200)).body.status,
    reservation: (await t.sql.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [orderId])).rows[0]?.status,
    notifications: (await api('get', `/api/v1/orders/${orderId}/notifications`).expect(200)).body.map((n: { kind: string }) => n.kind),
  });
  const stock = async (id = PRODUCT) => (await t.sql.query(`SELECT available, reserved, shipped FROM inventory.products WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({
      env: { API_KEYS: `v-admin:admin:${ADMIN_KEY},v-service:service:${SERVICE_KEY}`, PAYMENT_REVIEW_ABOVE: '100.00', SAGA_RETRY_ATTEMPTS: '2', SAGA_RETRY_DELAY_MS: '20', RELAY_MAX_ATTEMPTS: '1', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' },
    });
    faults = t.app.get(FaultInjector);
    for (const [id, units] of Object.entries(initialStock)) await api('post', '/api/v1/products').send({ id, name: id, price: '10.00', stock: units }).expect(201);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  it('holds everything at once, verifies, then captures, ships, confirms and notifies', async () => {
    for (const type of [ReserveInventory.type, AuthorizePayment.type, CreateShipment.type]) faults.setLatency(type, 200);
    const before = await stock();
    const started = await start(anOrder(3));
    expect(started).toMatchObject({ sagaType: 'verified-order', resource: { status: 'PENDING', totalAmount: '30.00', sagaId: started.sagaId } });
    expect(await t.waitForSaga(started.sagaId)).toBe('COMPLETED');

    expect(await rowsOf(started.resource.id)).toEqual({ order: 'CONFIRMED', payment: 'CAPTURED', shipment: 'CREATED', reservation: 'SHIPPED', notifications: ['ORDER_CONFIRMED'] });
    expect(await stock()).toEqual({ available: before.available - 3, reserved: before.reserved, shipped: before.shipped + 3 });
    const history = await historyOf(started.sagaId);
    expect(steps(history)).toEqual([
      'create-order/execute:SUCCEEDED',
      'reserve-inventory/execute:SUCCEEDED',
      'authorize-payment/execute:SUCCEEDED',
      'create-shipment/execute:SUCCEEDED',
      'verify-reservation/execute:SUCCEEDED',
      'verify-authorization/execute:SUCCEEDED',
      'capture-payment/execute:SUCCEEDED',
      'ship-inventory/execute:SUCCEEDED',
      'confirm-order/execute:SUCCEEDED',
      'notify-customer/execute:SUCCEEDED',
    ]);
    // The three holds were opened by one transaction, and each was still open when the others
    // started: in flight together, where one after the other would start each as the last closed.
    const held = history.slice(1, 4);
    expect(new Set(held.map((h) => h.started)).size).toBe(1);
    expect(Math.max(...held.map((h) => h.started))).toBeLessThan(Math.min(...held.map((h) => h.finished!)));
    // The checks were sent together after the holds answered (each took 200 ms), not beside them.
    expect(history[4].started).toBe(history[5].started);
    expect(history[4].started - held[0].started).toBeGreaterThanOrEqual(200);
    await expectBalanced(t.sql, initialStock);
  });

  it('a hold above PAYMENT_REVIEW_ABOVE is refused at verification (RISK_REVIEW): everything given back, newest first, nothing captured', async () => {
    const before = await stock();
    const started = await start(anOrder(11)); // 110.00
    expect(await t.waitForSaga(started.sagaId)).toBe('COMPENSATED');
    await t.drain(); // the cancelled order's notification is sent after the saga ended

    expect((await api('get', `/api/v1/sagas/${started.sagaId}`).expect(200)).body).toMatchObject({ status: 'COMPENSATED', failureReason: 'RISK_REVIEW' });
    expect(await rowsOf(started.resource.id)).toEqual({ order: 'CANCELLED', payment: 'VOIDED', shipment: 'CANCELLED', reservation: 'RELEASED', notifications: ['ORDER_CANCELLED'] });
    expect(await stock()).toEqual(before);
    const history = await historyOf(started.sagaId);
    expect(history.find((h) => h.step === 'verify-authorization')).toMatchObject({ status: 'FAILED', message: 'RISK_REVIEW' });
    expect(steps(history).slice(6)).toEqual([
      'verify-reservation/compensate:SUCCEEDED', // the check that passed gives back what it checked; the one that said no is not undone
      'create-shipment/compensate:SUCCEEDED',
      'authorize-payment/compensate:SUCCEEDED',
      'reserve-inventory/compensate:SUCCEEDED',
      'create-order/compensate:SUCCEEDED',
    ]);
    expect(steps(history).join()).not.toContain('capture-payment');
    expect(await checkConsistency(t.sql, 5_000)).toEqual([]);
    await expectBalanced(t.sql, initialStock);
  });

  it('out of stock while executing: the shipment cancelled, the hold voided, the order cancelled; nothing verified', async () => {
    const started = await start(anOrder(2, SCARCE));
    expect(await t.waitForSaga(started.sagaId)).toBe('COMPENSATED');
    await t.drain(); // the cancelled order's notification is sent after the saga ended

    expect((await api('get', `/api/v1/sagas/${started.sagaId}`).expect(200)).body.failureReason).toBe('OUT_OF_STOCK');
    expect(await rowsOf(started.resource.id)).toEqual({ order: 'CANCELLED', payment: 'VOIDED', shipment: 'CANCELLED', reservation: 'REJECTED', notifications: ['ORDER_CANCELLED'] });
    expect(await stock(SCARCE)).toEqual({ available: 1, reserved: 0, shipped: 0 });
    const history = steps(await historyOf(started.sagaId));
    expect(history.filter((h) => h.includes('/compensate:'))).toEqual(['create-shipment/compensate:SUCCEEDED', 'authorize-payment/compensate:SUCCEEDED', 'create-order/compensate:SUCCEEDED']);
    expect(history.join()).not.toContain('verify-');
    await expectBalanced(t.sql, initialStock);
  });

  it('a verification failing past its attempts may have happened: compensated with everything else', async () => {
    const before = await stock();
    faults.failNext(VerifyAuthorization.type, 2); // SAGA_RETRY_ATTEMPTS is 2
    const started = await start(anOrder(4));
    expect(await t.waitForSaga(started.sagaId)).toBe('COMPENSATED');
    await t.drain(); // the cancelled order's notification is sent after the saga ended

    expect((await api('get', `/api/v1/sagas/${started.sagaId}`).expect(200)).body.failureReason).toBe('VERIFY_AUTHORIZATION_FAILED');
    expect(await rowsOf(started.resource.id)).toEqual({ order: 'CANCELLED', payment: 'VOIDED', shipment: 'CANCELLED', reservation: 'RELEASED', notifications: ['ORDER_CANCELLED'] });
    expect(await stock()).toEqual(before);
    const history = steps(await historyOf(started.sagaId));
    expect(history.filter((h) => h.startsWith('verify-authorization/'))).toEqual([
      'verify-authorization/execute:FAILED',
      'verify-authorization/execute:FAILED',
      'verify-authorization/compensate:SUCCEEDED',
    ]);
    await expectBalanced(t.sql, initialStock);
  });

  it('is started over POST /sagas with a shipping address, and over gRPC StartSaga; its keys are its own', async () => {
    const noAddress = { ...anOrder(1), shippingAddress: undefined };
    const refused = await api('post', '/api/v1/sagas').send({ sagaType: 'verified-order', payload: noAddress }).expect(400);
    expect(refused.body.errors).toEqual([{ field: 'payload.shippingAddress', messages: ['payload.shippingAddress is required'] }]);
    const types = (await api('get', '/api/v1/saga-types').expect(200)).body as { type: string; payloadSchema: { required: string[] } }[];
    expect(types.find((s) => s.type === 'verified-order')?.payloadSchema.required).toEqual(['customerId', 'items', 'shippingAddress']);

    // One key, one order: a key that placed the same order through POST /orders does not start a verified order.
    const key = `verified-${randomUUID()}`;
    const placed = await api('post', '/api/v1/orders').set('Idempotency-Key', key).send(anOrder(1)).expect(201);
    const reused = await api('post', '/api/v1/sagas').set('Idempotency-Key', key).send({ sagaType: 'verified-order', payload: anOrder(1) }).expect(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const viaGrpc = (await rpc('SagaService.StartSaga', { idempotency_key: `verified-grpc-${randomUUID()}`, saga_type: 'verified-order', payload: JSON.stringify(anOrder(1)) }, ADMIN_KEY)) as {
      saga_id: string;
      saga_type: string;
    };
    expect(viaGrpc.saga_type).toBe('verified-order');
    for (const sagaId of [placed.body.sagaId, viaGrpc.saga_id]) expect(await t.waitForSaga(sagaId)).toBe('COMPLETED');
    await expectBalanced(t.sql, initialStock);
  });

  it('gRPC VerifyReservation and VerifyAuthorization: service role only; each answers for the state as it is, and changes no business row', async () => {
    const orderId = `verify-grpc-${randomUUID()}`;
    const key = (what: string) => ({ idempotency_key: `${what}-${orderId}`, order_id: orderId });
    const lines = (quantity: number) => [{ product_id: PRODUCT, quantity }];
    expect(await rpc('InventoryService.ReserveInventory', { ...key('reserve'), lines: lines(2) })).toMatchObject({ reserved: true });
    expect(await rpc('PaymentService.AuthorizePayment', { ...key('authorize'), customer_id: 'b2b_acme', amount: '50.00' })).toMatchObject({ status: 'AUTHORIZED' });

    const before = await snapshotTables(t.sql);
    const business = (snapshot: Record<string, string>) => Object.fromEntries(Object.entries(snapshot).filter(([table]) => !table.startsWith('messaging.')));
    const reservationId = (await t.sql.query(`SELECT id FROM inventory.reservations WHERE order_id = $1`, [orderId])).rows[0].id;
    expect(await rpc('InventoryService.VerifyReservation', { ...key('v1'), lines: lines(2) })).toEqual({ verified: true, reservation_id: reservationId, reason: '' });
    expect(await rpc('InventoryService.VerifyReservation', { ...key('v2'), lines: lines(3) })).toEqual({ verified: false, reservation_id: '', reason: 'LINES_NOT_COVERED' });
    expect(await rpc('PaymentService.VerifyAuthorization', { ...key('v3'), amount: '50.00' })).toMatchObject({ verified: true, reason: '' });
    expect(await rpc('PaymentService.VerifyAuthorization', { ...key('v4'), amount: '49.99' })).toMatchObject({ verified: false, reason: 'AMOUNT_MISMATCH' });
    expect(business(await snapshotTables(t.sql))).toEqual(business(before));
    // Saga commands, not reads: an admin may read the payment, but not ask these.
    for (const target of ['InventoryService.VerifyReservation', 'PaymentService.VerifyAuthorization']) {
      const code = await rpc(target, { ...key('v5'), lines: lines(1), amount: '50.00' }, ADMIN_KEY).then(() => status.OK, (e: { code: number }) => e.code);
      expect([target, code]).toEqual([target, status.PERMISSION_DENIED]);
    }

    // Their `static grpc`: the commands as the saga sends them to modules in another process.
    const transport = new GrpcTransport({ ...t.config, serviceKey: SERVICE_KEY, routes: { inventory: { transport: 'grpc', url: `127.0.0.1:${t.config.grpcPort}` }, payment: { transport: 'grpc', url: `127.0.0.1:${t.config.grpcPort}` } } });
    const large = `verify-grpc-${randomUUID()}`;
    try {
      const [held] = await transport.send('inventory', new VerifyReservation({ orderId, lines: [{ productId: PRODUCT, quantity: 2 }] }));
      expect(held).toBeInstanceOf(ReservationVerified);
      expect(held.data).toEqual({ orderId, reservationId });
      await rpc('PaymentService.AuthorizePayment', { idempotency_key: `authorize-${large}`, order_id: large, customer_id: 'b2b_acme', amount: '150.00' });
      const [review] = await transport.send('payment', new VerifyAuthorization({ orderId: large, amount: '150.00' }));
      expect(review).toBeInstanceOf(AuthorizationNotVerified);
      expect(review.data).toEqual({ orderId: large, reason: 'RISK_REVIEW' });
    } finally {
      transport.onApplicationShutdown();
    }

    // Given back: neither holds any longer.
    await rpc('PaymentService.RefundPayment', { idempotency_key: `refund-${large}`, order_id: large });
    await rpc('InventoryService.ReleaseInventory', key('release'));
    await rpc('PaymentService.RefundPayment', key('refund'));
    expect(await rpc('InventoryService.VerifyReservation', { ...key('v6'), lines: lines(2) })).toMatchObject({ verified: false, reason: 'NOT_RESERVED' });
    expect(await rpc('PaymentService.VerifyAuthorization', { ...key('v7'), amount: '50.00' })).toMatchObject({ verified: false, reason: 'NOT_AUTHORIZED' });
    await expectBalanced(t.sql, initialStock);
  });
});
