import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Event, registerMessages } from '../src/messaging/message.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { MessageConsumers } from '../src/messaging/message-consumers.js';
import { Outbox } from '../src/messaging/outbox.js';
import { expectBalanced } from './support/assertions.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

type HistoryRow = { step: string; action: string; status: string; attempt: number; message: string | null };
const steps = (history: HistoryRow[]) => history.map((h) => `${h.step}/${h.action}#${h.attempt}:${h.status}`);

class Ping extends Event<object> {
  static readonly type = 'test.Ping';
}
registerMessages(Ping);

/** Adds a product with `stock` units in store. */
const addProduct = (t: TestApp, id: string, price: string, stock: number) =>
  request(t.http).post('/api/v1/products').send({ id, name: id, price, stock }).expect(201);
/** Places a one-line order; returns its view (with `sagaId`). */
const place = async (t: TestApp, productId: string, quantity: number, price: string) =>
  (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId, quantity, price }] }).expect(201)).body;
const sagaOf = async (t: TestApp, id: string) => (await request(t.http).get(`/api/v1/sagas/${id}`).expect(200)).body;
const orderOf = async (t: TestApp, id: string) => (await request(t.http).get(`/api/v1/orders/${id}`).expect(200)).body;

describe('failure handling', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const stock = { fail_beans: 100, fail_grinder: 20 };

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1,
        SAGA_RETRY_ATTEMPTS: '3',
        SAGA_RETRY_DELAY_MS: '20',
        SAGA_COMPENSATION_ATTEMPTS: '3',
        SAGA_STEP_TIMEOUT_MS: '2000',
        SAGA_TIMER_POLL_MS: '50',
        RELAY_MAX_ATTEMPTS: '2',
        RELAY_POLL_MS: '50',
      },
    });
    faults = t.app.get(FaultInjector);
    await addProduct(t, 'fail_beans', '5.00', 100);
    await addProduct(t, 'fail_grinder', '400.00', 20);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());


  it('retries a step that fails twice, then succeeds: 3 attempts in the history, one charge', async () => {
    faults.failNext('payment.ProcessPayment', 2);
    const order = await place(t, 'fail_beans', 2, '5.00');
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    const saga = await sagaOf(t, order.sagaId);
    expect(steps(saga.history)).toEqual([
      'create-order/execute#1:SUCCEEDED',
      'reserve-inventory/execute#1:SUCCEEDED',
      'process-payment/execute#1:FAILED',
      'process-payment/execute#2:FAILED',
      'process-payment/execute#3:SUCCEEDED',
      'confirm-order/execute#1:SUCCEEDED',
    ]);
    expect(saga.history[2].message).toBe('ERROR: injected fault: payment.ProcessPayment');
    expect((await orderOf(t, order.id)).status).toBe('CONFIRMED');
    // The three attempts carried one message id; the participant applied it once.
    const { rows } = await t.sql.query(
      `SELECT count(DISTINCT message_id)::int AS ids, count(*)::int AS attempts FROM saga.saga_steps WHERE saga_id = $1 AND step = 'process-payment'`,
      [order.sagaId],
    );
    expect(rows[0]).toEqual({ ids: 1, attempts: 3 });
    const { rows: payments } = await t.sql.query('SELECT status FROM payment.payments WHERE order_id = $1', [order.id]);
    expect(payments).toEqual([{ status: 'CAPTURED' }]);
    await expectBalanced(t.sql, stock);
  });

  it('when retries run out the saga compensates, the failed step included', async () => {
    faults.failNext('inventory.ReserveInventory', 3);
    const order = await place(t, 'fail_beans', 1, '5.00');
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    const saga = await sagaOf(t, order.sagaId);
    expect(saga.failureReason).toBe('RESERVE_INVENTORY_FAILED');
    expect(steps(saga.history)).toEqual([
      'create-order/execute#1:SUCCEEDED',
      'reserve-inventory/execute#1:FAILED',
      'reserve-inventory/execute#2:FAILED',
      'reserve-inventory/execute#3:FAILED',
      'reserve-inventory/compensate#1:SUCCEEDED',
      'create-order/compensate#1:SUCCEEDED',
    ]);
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'CANCELLED', failureReason: 'RESERVE_INVENTORY_FAILED' });
    await expectBalanced(t.sql, stock);
  });

  it('a compensation that fails twice, then succeeds, ends COMPENSATED', async () => {
    faults.failNext('inventory.ReleaseInventory', 2);
    const order = await place(t, 'fail_grinder', 2, '400.00'); // 800.00: declined
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    expect(steps((await sagaOf(t, order.sagaId)).history).slice(3)).toEqual([
      'reserve-inventory/compensate#1:FAILED',
      'reserve-inventory/compensate#2:FAILED',
      'reserve-inventory/compensate#3:SUCCEEDED',
      'create-order/compensate#1:SUCCEEDED',
    ]);
    await expectBalanced(t.sql, stock);
  });

  it('a compensation that keeps failing ends FAILED, listed for a person; retry finishes it once the fault is gone', async () => {
    faults.failNext('inventory.ReleaseInventory', Infinity);
    const order = await place(t, 'fail_grinder', 2, '400.00');
    expect(await t.waitForSaga(order.sagaId)).toBe('FAILED');
    const failed = await sagaOf(t, order.sagaId);
    expect(failed).toMatchObject({ status: 'FAILED', currentStep: 'reserve-inventory', lastError: 'ERROR: injected fault: inventory.ReleaseInventory' });
    const { body: list } = await request(t.http).get('/api/v1/sagas?status=FAILED&type=place-order').expect(200);
    expect(list.items.map((s: { id: string }) => s.id)).toContain(order.sagaId);
    expect(list.items.every((s: { status: string }) => s.status === 'FAILED')).toBe(true);
    // Held stock is still held: nothing pretends the compensation happened.
    expect((await request(t.http).get('/api/v1/products/fail_grinder')).body.reserved).toBe(2);

    faults.clear();
    const { body: resumed } = await request(t.http).post(`/api/v1/sagas/${order.sagaId}/retry`).expect(200);
    expect(resumed.status).toBe('COMPENSATING');
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    // The history keeps the first round's failures; the resumed round starts counting again.
    expect(steps((await sagaOf(t, order.sagaId)).history).slice(3)).toEqual([
      'reserve-inventory/compensate#1:FAILED',
      'reserve-inventory/compensate#2:FAILED',
      'reserve-inventory/compensate#3:FAILED',
      'reserve-inventory/retry#1:SUCCEEDED', // by whom: see test/security.e2e-spec.ts
      'reserve-inventory/compensate#1:SUCCEEDED',
      'create-order/compensate#1:SUCCEEDED',
    ]);
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'CANCELLED', failureReason: 'CARD_DECLINED' });
    await request(t.http).post(`/api/v1/sagas/${order.sagaId}/retry`).expect(409);
    await request(t.http).post('/api/v1/sagas/00000000-0000-4000-8000-000000000000/retry').expect(404);
    await expectBalanced(t.sql, stock);
  });

  it('a message that keeps failing is dead-lettered, listed, and re-driven once fixed', async () => {
    let healthy = false;
    t.app.get(MessageConsumers).register('probe-dead', async () => {
      if (!healthy) throw new Error('consumer is broken');
    });
    const ping = new Ping({}, { recipient: 'probe-dead' });
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, ping));
    const dead = await waitFor('the dead letter', async () => {
      const { body } = await request(t.http).get('/api/v1/dead-letters').expect(200);
      return body.items.find((d: { messageId: string }) => d.messageId === ping.meta.messageId);
    });
    expect(dead).toMatchObject({ type: 'test.Ping', consumer: 'probe-dead', attempts: 2, lastError: 'consumer is broken' });

    healthy = true;
    await request(t.http).post(`/api/v1/dead-letters/${dead.id}/redrive`).expect(200);
    await waitFor('the re-driven delivery', async () => {
      const { rows } = await t.sql.query('SELECT processed_at FROM messaging.outbox WHERE id = $1', [dead.id]);
      return rows[0].processed_at ?? undefined;
    });
    const { body } = await request(t.http).get('/api/v1/dead-letters').expect(200);
    expect(body.items.find((d: { id: string }) => d.id === dead.id)).toBeUndefined();
    await request(t.http).post(`/api/v1/dead-letters/${dead.id}/redrive`).expect(404);
  });
});

describe('step timeouts', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A timeout well above a normal step's time on a loaded machine; only the step under test is slower.
    t = await startTestApp({ env: { ...ORDER_SAGA_V1, SAGA_RETRY_ATTEMPTS: '1', SAGA_STEP_TIMEOUT_MS: '1000', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' } });
    await addProduct(t, 'slow_beans', '5.00', 10);
  });
  afterAll(() => t?.close());

  it('a participant slower than the step timeout is compensated, and its late reply changes nothing', async () => {
    t.app.get(FaultInjector).setLatency('payment.ProcessPayment', 2500);
    const order = await place(t, 'slow_beans', 1, '5.00');
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    const compensated = (await sagaOf(t, order.sagaId));
    expect(compensated.failureReason).toBe('PROCESS_PAYMENT_TIMED_OUT');
    // The timed-out step may have happened, so it is compensated too: refund, release, cancel.
    expect(steps(compensated.history).slice(2)).toEqual([
      'process-payment/execute#1:FAILED',
      'process-payment/compensate#1:SUCCEEDED',
      'reserve-inventory/compensate#1:SUCCEEDED',
      'create-order/compensate#1:SUCCEEDED',
    ]);
    expect(compensated.history[2].message).toBe('TIMEOUT: no reply within 1000 ms');

    // The slow charge finally runs: the refund's tombstone refuses it, and its reply is dropped.
    await waitFor('the late charge', async () => {
      const { rows } = await t.sql.query(`SELECT 1 FROM messaging.inbox WHERE consumer = 'payment' AND message_id = (
        SELECT message_id::text FROM saga.saga_steps WHERE saga_id = $1 AND step = 'process-payment' AND action = 'execute')`, [order.sagaId]);
      return rows[0];
    });
    await sleep(100);
    await t.drain();
    const after = (await sagaOf(t, order.sagaId));
    expect(after).toEqual(compensated);
    const { rows: payments } = await t.sql.query('SELECT status, amount FROM payment.payments WHERE order_id = $1', [order.id]);
    expect(payments).toEqual([{ status: 'DECLINED', amount: '0.00' }]);
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'CANCELLED', failureReason: 'PROCESS_PAYMENT_TIMED_OUT' });
    await expectBalanced(t.sql, { slow_beans: 10 });
  });
});

describe('fault injection from the environment', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1, INVENTORY_FAILURE_RATE: '0.3', PAYMENT_FAILURE_RATE: '0.3', SAGA_RETRY_ATTEMPTS: '10', SAGA_RETRY_DELAY_MS: '5', SAGA_TIMER_POLL_MS: '50' },
    });
    await addProduct(t, 'flaky_beans', '5.00', 1000);
  });
  afterAll(() => t?.close());

  it('with 30% of participant calls failing, every saga still completes through retries, each effect once', async () => {
    const orders = await Promise.all(
      Array.from({ length: 30 }, () => place(t, 'flaky_beans', 1, '5.00')),
    );
    for (const o of orders) expect(await t.waitForSaga(o.sagaId)).toBe('COMPLETED');
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n FROM saga.saga_steps WHERE status = 'FAILED' AND message LIKE 'ERROR: injected fault%'`);
    expect(rows[0].n).toBeGreaterThan(0); // the faults really happened
    const { rows: payments } = await t.sql.query(`SELECT count(*)::int AS n FROM payment.payments WHERE status = 'CAPTURED'`);
    expect(payments[0].n).toBe(30);
    await expectBalanced(t.sql, { flaky_beans: 1000 });
  });
});

describe('late replies', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const stock = { late_beans: 100, late_grinder: 20 };

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1,
        SAGA_RETRY_ATTEMPTS: '5',
        SAGA_RETRY_DELAY_MS: '20',
        SAGA_COMPENSATION_ATTEMPTS: '2',
        // Well above a normal step's time on a loaded machine: only the step under test, slowed
        // by injected latency, times out. Other steps may still retry under load; the
        // expectations are about the step under test.
        SAGA_STEP_TIMEOUT_MS: '1000',
        SAGA_TIMER_POLL_MS: '50',
        RELAY_POLL_MS: '50',
      },
    });
    faults = t.app.get(FaultInjector);
    await addProduct(t, 'late_beans', '5.00', 100);
    await addProduct(t, 'late_grinder', '400.00', 20);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  /** The saga's status as stored, read without waiting for the relay (a slow delivery is in flight). */
  const statusOf = async (id: string) => (await t.sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [id])).rows[0].status as string;

  it('a success that comes after its step timed out, while the retry is awaited, is accepted: one charge, COMPLETED', async () => {
    // Every attempt takes 1.5 s against a 1 s timeout: only a late reply can finish the step.
    faults.setLatency('payment.ProcessPayment', 1500);
    const order = await place(t, 'late_beans', 1, '5.00');
    await waitFor('the saga to complete', async () => ((await statusOf(order.sagaId)) === 'COMPLETED' ? true : undefined));
    const history = (await sagaOf(t, order.sagaId)).history as HistoryRow[];
    const payment = history.filter((h) => h.step === 'process-payment');
    expect(payment.length).toBeGreaterThanOrEqual(2);
    expect(payment.slice(0, -1).every((h) => h.status === 'FAILED' && h.message === 'TIMEOUT: no reply within 1000 ms')).toBe(true);
    expect(payment.at(-1)).toMatchObject({ status: 'SUCCEEDED', message: 'payment.PaymentCaptured' });
    expect(steps(history).at(-1)).toMatch(/^confirm-order\/execute#\d+:SUCCEEDED$/); // the saga went on from the late success
    // Every attempt carried one message id; the participant applied it once, and once only replied.
    const { rows: ids } = await t.sql.query(`SELECT DISTINCT message_id::text AS id FROM saga.saga_steps WHERE saga_id = $1 AND step = 'process-payment'`, [order.sagaId]);
    expect(ids).toHaveLength(1);
    const { rows: applied } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.inbox WHERE consumer = 'payment' AND message_id = $1`, [ids[0].id]);
    expect(applied).toEqual([{ n: 1 }]);
    const { rows: replies } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE type = 'payment.PaymentCaptured' AND meta->>'causationId' = $1`, [ids[0].id]);
    expect(replies).toEqual([{ n: 1 }]);
    const { rows: payments } = await t.sql.query('SELECT status FROM payment.payments WHERE order_id = $1', [order.id]);
    expect(payments).toEqual([{ status: 'CAPTURED' }]);
    await t.drain();
    expect(await statusOf(order.sagaId)).toBe('COMPLETED');
    await expectBalanced(t.sql, stock);
  });

  it('a FAILED saga whose awaited compensation succeeds late resumes by itself and ends COMPENSATED', async () => {
    // Declined, so the reservation is released; each release takes 3.5 s against a 1 s timeout,
    // and two attempts are allowed: the saga is FAILED (after about 2 s) before the first
    // release answers.
    faults.setLatency('inventory.ReleaseInventory', 3500);
    const order = await place(t, 'late_grinder', 2, '400.00');
    await waitFor('the saga to fail', async () => ((await statusOf(order.sagaId)) === 'FAILED' ? true : undefined));
    expect((await request(t.http).get('/api/v1/products/late_grinder')).body.reserved).toBe(2);

    await waitFor('the saga to resume and finish', async () => ((await statusOf(order.sagaId)) === 'COMPENSATED' ? true : undefined));
    const history = steps((await sagaOf(t, order.sagaId)).history);
    expect(history.filter((s) => s.startsWith('reserve-inventory/compensate'))).toEqual([
      'reserve-inventory/compensate#1:FAILED',
      'reserve-inventory/compensate#2:FAILED',
      'reserve-inventory/compensate#2:SUCCEEDED',
    ]);
    expect(history.at(-1)).toMatch(/^create-order\/compensate#\d+:SUCCEEDED$/); // resumed from the late success
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'CANCELLED', failureReason: 'CARD_DECLINED' });
    await t.drain();
    expect(await statusOf(order.sagaId)).toBe('COMPENSATED');
    await expectBalanced(t.sql, stock);
  });
});
