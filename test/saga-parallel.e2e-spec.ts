import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InventoryRejected, InventoryReleased, InventoryReserved, ReleaseInventory, ReserveInventory, type StockLine } from '../src/inventory/inventory.messages.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { PaymentCaptured, PaymentDeclined, ProcessPayment, RefundPayment } from '../src/payment/payment.messages.js';
import { defineSaga, fail } from '../src/saga/engine/saga-definition.js';
import { SagaEngine } from '../src/saga/engine/saga-engine.js';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type HoldAndChargeData = { orderId: string; customerId: string; lines: StockLine[]; amount: string; giveBack: boolean; reservationId?: string; paymentId?: string };

/** Holds the stock and charges the card at once; gives the stock back afterwards only when asked to. */
const holdAndCharge = defineSaga<HoldAndChargeData>({
  type: 'test-parallel',
  steps: [
    {
      name: 'reserve-inventory',
      parallel: 'hold-and-charge',
      invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
      compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
      onReply: {
        [InventoryReserved.type]: (d, r) => ({ ...d, reservationId: (r as InventoryReserved).data.reservationId }),
        [InventoryRejected.type]: fail((_, r) => (r as InventoryRejected).data.reason),
      },
    },
    {
      name: 'process-payment',
      parallel: 'hold-and-charge',
      invoke: (d) => new ProcessPayment({ orderId: d.orderId, customerId: d.customerId, amount: d.amount }),
      compensate: (d) => new RefundPayment({ orderId: d.orderId }),
      onReply: {
        [PaymentCaptured.type]: (d, r) => ({ ...d, paymentId: (r as PaymentCaptured).data.paymentId }),
        [PaymentDeclined.type]: fail((_, r) => (r as PaymentDeclined).data.reason),
      },
    },
    {
      name: 'give-back',
      when: (d) => d.giveBack,
      invoke: (d) => new ReleaseInventory({ orderId: d.orderId }),
      onReply: { [InventoryReleased.type]: (d) => d },
    },
  ],
});

const PRODUCT = 'parallel_beans';

describe('parallel step groups', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const start = (data: Partial<HoldAndChargeData> = {}) =>
    t.app
      .get(DataSource)
      .transaction((tx) =>
        t.app.get(SagaEngine).start(tx, holdAndCharge, { orderId: randomUUID(), customerId: 'c-1', lines: [{ productId: PRODUCT, quantity: 2 }], amount: '10.00', giveBack: false, ...data }),
      );
  /** The saga's history rows, oldest first, with their times in ms. */
  const historyOf = async (sagaId: string) =>
    (
      await t.sql.query(
        `SELECT step, action, status, message, (extract(epoch FROM started_at) * 1000)::float8 AS started, (extract(epoch FROM finished_at) * 1000)::float8 AS finished
           FROM saga.saga_steps WHERE saga_id = $1 ORDER BY id`,
        [sagaId],
      )
    ).rows as { step: string; action: string; status: string; message: string | null; started: number; finished: number | null }[];
  const rowOf = (history: Awaited<ReturnType<typeof historyOf>>, step: string, action: string) => history.find((h) => h.step === step && h.action === action)!;
  const stock = async () => (await t.sql.query(`SELECT available, reserved FROM inventory.products WHERE id = $1`, [PRODUCT])).rows[0];

  beforeAll(async () => {
    t = await startTestApp({ env: { SAGA_RETRY_ATTEMPTS: '3', SAGA_RETRY_DELAY_MS: '20', RELAY_MAX_ATTEMPTS: '1', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' } });
    t.app.get(SagaEngine).register(holdAndCharge);
    faults = t.app.get(FaultInjector);
    await request(t.http).post('/api/v1/products').send({ id: PRODUCT, name: 'beans', price: '1.00', stock: 100 }).expect(201);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  it('sends both commands in one transaction and awaits them together; once both succeeded it goes on, passing over a step whose `when` is false', async () => {
    faults.setLatency(ReserveInventory.type, 300);
    faults.setLatency(ProcessPayment.type, 300);
    const sagaId = await start();
    expect(await t.waitForSaga(sagaId)).toBe('COMPLETED');

    const history = await historyOf(sagaId);
    expect(history.map((h) => `${h.step}/${h.action}:${h.status}`).sort()).toEqual(['process-payment/execute:SUCCEEDED', 'reserve-inventory/execute:SUCCEEDED']);
    const [hold, charge] = [rowOf(history, 'reserve-inventory', 'execute'), rowOf(history, 'process-payment', 'execute')];
    // Sent by one transaction (same now()), and each was still open when the other's started:
    // in flight together, where one after the other would start the second as the first closes.
    expect(hold.started).toBe(charge.started);
    expect(Math.max(hold.started, charge.started)).toBeLessThan(Math.min(hold.finished!, charge.finished!));

    const { body } = await request(t.http).get(`/api/v1/sagas/${sagaId}`).expect(200);
    expect(body).toMatchObject({ status: 'COMPLETED', failureReason: null });
    const { rows } = await t.sql.query(`SELECT data, progress FROM saga.saga_instances WHERE id = $1`, [sagaId]);
    expect(rows[0].data).toMatchObject({ reservationId: expect.any(String), paymentId: expect.any(String) }); // both replies applied
    expect(rows[0].progress).toEqual({ notDone: ['give-back'] });
    expect(await stock()).toEqual({ available: 98, reserved: 2 });
    await expectBalanced(t.sql, { [PRODUCT]: 100 });
  });

  it("a member's technical failures retry its own command (same message id) while the other member is left alone", async () => {
    faults.setLatency(ReserveInventory.type, 300);
    faults.failNext(ProcessPayment.type, 2);
    const sagaId = await start();
    expect(await t.waitForSaga(sagaId)).toBe('COMPLETED');

    const { rows } = await t.sql.query(
      `SELECT step, array_agg(attempt || ':' || status ORDER BY attempt) AS attempts, count(DISTINCT message_id)::int AS ids
         FROM saga.saga_steps WHERE saga_id = $1 GROUP BY step ORDER BY step`,
      [sagaId],
    );
    expect(rows).toEqual([
      { step: 'process-payment', attempts: ['1:FAILED', '2:FAILED', '3:SUCCEEDED'], ids: 1 },
      { step: 'reserve-inventory', attempts: ['1:SUCCEEDED'], ids: 1 },
    ]);
    await expectBalanced(t.sql, { [PRODUCT]: 100 });
  });

  it('payment declined while the stock is still being held: waits for the hold to finish, then releases it; the declined payment is never refunded', async () => {
    const before = await stock();
    faults.setLatency(ReserveInventory.type, 800); // the "no" comes first, the hold is still in flight
    const sagaId = await start({ amount: '900.00' }); // above PAYMENT_DECLINE_ABOVE
    expect(await t.waitForSaga(sagaId)).toBe('COMPENSATED');

    const history = await historyOf(sagaId);
    expect(history.map((h) => `${h.step}/${h.action}:${h.status}:${h.message}`)).toEqual([
      'reserve-inventory/execute:SUCCEEDED:inventory.InventoryReserved',
      'process-payment/execute:FAILED:CARD_DECLINED',
      'reserve-inventory/compensate:SUCCEEDED:inventory.InventoryReleased',
    ]);
    const [hold, charge, release] = [rowOf(history, 'reserve-inventory', 'execute'), rowOf(history, 'process-payment', 'execute'), rowOf(history, 'reserve-inventory', 'compensate')];
    expect(charge.finished!).toBeLessThan(hold.finished!); // the "no" came while the hold was in flight
    expect(release.started).toBeGreaterThanOrEqual(hold.finished!); // and nothing was undone before it settled

    const { body } = await request(t.http).get(`/api/v1/sagas/${sagaId}`).expect(200);
    expect(body).toMatchObject({ status: 'COMPENSATED', failureReason: 'CARD_DECLINED' });
    const { rows: payments } = await t.sql.query(`SELECT p.status FROM payment.payments p JOIN saga.saga_instances s ON s.data->>'orderId' = p.order_id WHERE s.id = $1`, [sagaId]);
    expect(payments).toEqual([{ status: 'DECLINED' }]);
    const { rows: refunds } = await t.sql.query(`SELECT 1 FROM messaging.outbox WHERE type = $1 AND meta->>'correlationId' = $2`, [RefundPayment.type, sagaId]);
    expect(refunds).toEqual([]);
    expect(await stock()).toEqual(before);
    await expectBalanced(t.sql, { [PRODUCT]: 100 });
  });
});
