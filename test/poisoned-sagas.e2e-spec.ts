import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InventoryRejected, InventoryReserved, ReleaseInventory, ReserveInventory, type StockLine } from '../src/inventory/inventory.messages.js';
import { DeliveryFailed } from '../src/messaging/delivery-failed.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import type { Message } from '../src/messaging/message.js';
import { Outbox } from '../src/messaging/outbox.js';
import { defineSaga, fail } from '../src/saga/engine/saga-definition.js';
import { SagaEngine } from '../src/saga/engine/saga-engine.js';
import { expectBalanced } from './support/assertions.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

type HistoryRow = { step: string; action: string; status: string; attempt: number; message: string | null };
const steps = (history: HistoryRow[]) => history.map((h) => `${h.step}/${h.action}#${h.attempt}:${h.status}`);

const addProduct = (t: TestApp, id: string, price: string, stock: number) =>
  request(t.http).post('/api/v1/products').send({ id, name: id, price, stock }).expect(201);
const place = async (t: TestApp, productId: string, quantity: number, price: string) =>
  (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId, quantity, price }] }).expect(201)).body;
const sagaOf = async (t: TestApp, id: string) => (await request(t.http).get(`/api/v1/sagas/${id}`).expect(200)).body;
/** The value of a counter with exactly these labels on /metrics, 0 if absent. */
const counter = async (t: TestApp, name: string, labels: string) => {
  const text = (await request(t.http).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

/** A one-step saga holding stock; the fragile one cannot read its reply while `broken.now`. */
type HoldData = { orderId: string; lines: StockLine[]; reservationId?: string };
const broken = { now: true };
const holdStock = (type: string, fragile: boolean) =>
  defineSaga<HoldData>({
    type,
    steps: [
      {
        name: 'hold-stock',
        invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
        compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
        onReply: {
          [InventoryReserved.type]: (d, r) => {
            if (fragile && broken.now) throw new Error('cannot read the reservation');
            return { ...d, reservationId: (r as InventoryReserved).data.reservationId };
          },
          [InventoryRejected.type]: fail('OUT_OF_STOCK'),
        },
      },
    ],
  });
/** While `unstorable.now`, its retry command carries a NUL, which PostgreSQL refuses: the timer's decision cannot be written. */
const unstorable = { now: false };
const unstorableSaga = defineSaga<HoldData>({
  type: 'test-unstorable',
  steps: [
    {
      name: 'hold-stock',
      invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines, ...(unstorable.now && { note: 'nul\u0000' }) }),
      onReply: { [InventoryReserved.type]: (d) => d, [InventoryRejected.type]: fail('OUT_OF_STOCK') },
    },
  ],
});
const fragileSaga = holdStock('test-fragile', true);
const sturdySaga = holdStock('test-sturdy', false);

describe('poisoned sagas', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const stock = { poison_beans: 100 };

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1,
        SAGA_RETRY_ATTEMPTS: '1',
        SAGA_RETRY_DELAY_MS: '200',
        SAGA_POISON_DELAY_MS: '200',
        SAGA_STEP_TIMEOUT_MS: '300',
        SAGA_TIMER_POLL_MS: '50',
        SAGA_POISON_ATTEMPTS: '3',
        RELAY_POLL_MS: '50',
      },
    });
    faults = t.app.get(FaultInjector);
    const engine = t.app.get(SagaEngine);
    engine.register(fragileSaga);
    engine.register(sturdySaga);
    engine.register(unstorableSaga);
    await addProduct(t, 'poison_beans', '5.00', 100);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  it("a due saga of a type no longer registered does not stop another saga's step timeout, and ends FAILED with its error and attempts", async () => {
    // Planted as a deploy would leave it: its type is gone, its timer long overdue (first in every sweep).
    const planted = randomUUID();
    await t.sql.query(
      `INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, awaiting_message_id, attempt, deadline_at, timeout_at)
       VALUES ($1, 'retired-after-deploy', 'RUNNING', 2, 'ship', '{}', $2, 1, now() + interval '1 hour', now() - interval '1 hour')`,
      [planted, randomUUID()],
    );
    faults.setLatency('payment.ProcessPayment', 1200);
    const order = await place(t, 'poison_beans', 1, '5.00');

    // The real saga's step times out and compensates as usual.
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    const compensated = await sagaOf(t, order.sagaId);
    expect(compensated.failureReason).toBe('PROCESS_PAYMENT_TIMED_OUT');
    expect(compensated.history[2]).toMatchObject({ step: 'process-payment', status: 'FAILED', message: 'TIMEOUT: no reply within 300 ms' });

    // The planted one was tried again with backoff, then FAILED with its error kept, for a person.
    expect(await t.waitForSaga(planted)).toBe('FAILED');
    const failed = (await request(t.http).get('/api/v1/sagas?status=FAILED').expect(200)).body.items;
    expect(failed.find((s: { id: string }) => s.id === planted)).toMatchObject({
      type: 'retired-after-deploy',
      currentStep: 'ship',
      lastError: 'POISONED: saga type retired-after-deploy is not registered',
      poisonAttempts: 3,
    });
    const { rows } = await t.sql.query('SELECT poisoned_status, timeout_at, held_reply, awaiting_message_id IS NOT NULL AS awaits FROM saga.saga_instances WHERE id = $1', [planted]);
    expect(rows).toEqual([{ poisoned_status: 'RUNNING', timeout_at: null, held_reply: null, awaits: true }]);
    expect(await counter(t, 'saga_poisoned_total', 'type="retired-after-deploy",outcome="retried"')).toBe(2);
    expect(await counter(t, 'saga_poisoned_total', 'type="retired-after-deploy",outcome="failed"')).toBe(1);

    // The slow charge finally runs: the refund's tombstone refuses it, and its reply changes nothing.
    await waitFor('the late charge', async () => {
      const { rows: late } = await t.sql.query(`SELECT 1 FROM messaging.inbox WHERE consumer = 'payment' AND message_id = (
        SELECT message_id::text FROM saga.saga_steps WHERE saga_id = $1 AND step = 'process-payment' AND action = 'execute')`, [order.sagaId]);
      return late[0];
    });
    await t.drain();
    await expectBalanced(t.sql, stock);
  });

  it('a definition function that throws on a reply: FAILED with the error, other sagas in its batch unaffected; retry resumes it once fixed', async () => {
    const line = (n: number) => [{ productId: 'poison_beans', quantity: n }];
    const sturdyIds: string[] = [];
    // Started together, so their commands, and the replies, travel in one batch.
    const fragileId = await t.app.get(DataSource).transaction(async (tx) => {
      const engine = t.app.get(SagaEngine);
      for (let i = 1; i <= 3; i++) sturdyIds.push(await engine.start(tx, sturdySaga, { orderId: randomUUID(), lines: line(i) }));
      return engine.start(tx, fragileSaga, { orderId: randomUUID(), lines: line(5) });
    });

    for (const id of sturdyIds) expect(await t.waitForSaga(id)).toBe('COMPLETED');
    expect(await t.waitForSaga(fragileId)).toBe('FAILED');
    const failed = await sagaOf(t, fragileId);
    expect(failed).toMatchObject({ lastError: 'POISONED: cannot read the reservation', poisonAttempts: 3, currentStep: 'hold-stock' });
    // Its reply was taken in, not dead-lettered: the saga holds it, and still awaits the step.
    expect(steps(failed.history)).toEqual(['hold-stock/execute#1:PENDING']);
    const { rows: held } = await t.sql.query(`SELECT poisoned_status, held_reply->>'type' AS held FROM saga.saga_instances WHERE id = $1`, [fragileId]);
    expect(held).toEqual([{ poisoned_status: 'STARTED', held: 'inventory.InventoryReserved' }]);
    // The four replies were applied in one transaction (one now()): the poisoned one did not roll it back.
    const { rows: applied } = await t.sql.query(
      `SELECT count(DISTINCT i.applied_at)::int AS transactions, count(*)::int AS replies
         FROM messaging.outbox o JOIN messaging.inbox i ON i.consumer = o.consumer AND i.message_id = o.message_id::text
        WHERE o.consumer = 'saga' AND o.type = 'inventory.InventoryReserved' AND o.meta->>'correlationId' = ANY($1)`,
      [[...sturdyIds, fragileId]],
    );
    expect(applied).toEqual([{ transactions: 1, replies: 4 }]);
    const { rows: dead } = await t.sql.query('SELECT type FROM messaging.outbox WHERE dead_at IS NOT NULL');
    expect(dead).toEqual([]);
    expect(await counter(t, 'saga_poisoned_total', 'type="test-fragile",outcome="failed"')).toBe(1);

    // A failure report of the same command (a second, concurrent delivery that threw) cannot
    // replace the success it holds: the reservation happened.
    const { rows: awaited } = await t.sql.query(`SELECT awaiting_message_id AS id, attempt FROM saga.saga_instances WHERE id = $1`, [fragileId]);
    const command = { meta: { messageId: awaited[0].id, correlationId: fragileId, replyTo: 'saga' } } as unknown as Message;
    const report = new DeliveryFailed({ type: ReserveInventory.type, attempt: awaited[0].attempt, error: 'a concurrent delivery threw' }).causedBy(command);
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, report));
    await t.drain();
    const { rows: stillHeld } = await t.sql.query(`SELECT status, held_reply->>'type' AS held FROM saga.saga_instances WHERE id = $1`, [fragileId]);
    expect(stillHeld).toEqual([{ status: 'FAILED', held: 'inventory.InventoryReserved' }]);

    // Fixed (a deploy), then a person retries: it resumes where it was and applies the reply it held.
    broken.now = false;
    const resumed = (await request(t.http).post(`/api/v1/sagas/${fragileId}/retry`).expect(200)).body;
    expect(resumed).toMatchObject({ status: 'STARTED', poisonAttempts: 0 });
    expect(await t.waitForSaga(fragileId)).toBe('COMPLETED');
    const done = await sagaOf(t, fragileId);
    expect(steps(done.history)).toEqual(['hold-stock/execute#1:SUCCEEDED', 'hold-stock/retry#1:SUCCEEDED']);
    expect(done.history[0].message).toBe('inventory.InventoryReserved');
    const { rows: after } = await t.sql.query(
      `SELECT data->>'reservationId' IS NOT NULL AS reserved, poison_attempts, poisoned_status, held_reply FROM saga.saga_instances WHERE id = $1`,
      [fragileId],
    );
    expect(after).toEqual([{ reserved: true, poison_attempts: 0, poisoned_status: null, held_reply: null }]);
    // Nothing is reserved twice: 1 + 2 + 3 for the sturdy ones, 5 for the fragile one.
    const { rows: product } = await t.sql.query(`SELECT reserved FROM inventory.products WHERE id = 'poison_beans'`);
    expect(product).toEqual([{ reserved: 11 }]);
    await expectBalanced(t.sql, stock);
  });

  it('a timer whose decision cannot be written is poisoned all the same; the late reply waits with the FAILED saga, and retry applies it', async () => {
    // Each reservation takes longer than the step timeout: the timer fires and the retry cannot be stored.
    faults.setLatency('inventory.ReserveInventory', 3000);
    const engine = t.app.get(SagaEngine);
    const data = { orderId: randomUUID(), lines: [{ productId: 'poison_beans', quantity: 2 }] };
    const sagaId = await t.app.get(DataSource).transaction((tx) => engine.start(tx, unstorableSaga, data));
    unstorable.now = true;

    await waitFor('the saga to be FAILED', async () => ((await sagaOf(t, sagaId)).status === 'FAILED' ? true : undefined));
    const failed = await sagaOf(t, sagaId);
    expect(failed.lastError).toMatch(/^POISONED: .*unicode/i);
    expect(failed.poisonAttempts).toBe(3);
    // The reservation's reply comes after: a FAILED poisoned saga keeps it for the retry.
    await waitFor('the late reply to be held', async () => {
      const { rows } = await t.sql.query(`SELECT held_reply->>'type' AS held FROM saga.saga_instances WHERE id = $1 AND status = 'FAILED'`, [sagaId]);
      return rows[0]?.held === 'inventory.InventoryReserved' ? true : undefined;
    });

    unstorable.now = false;
    faults.clear();
    await request(t.http).post(`/api/v1/sagas/${sagaId}/retry`).expect(200);
    expect(await t.waitForSaga(sagaId)).toBe('COMPLETED');
    expect(steps((await sagaOf(t, sagaId)).history)).toEqual(['hold-stock/execute#1:SUCCEEDED', 'hold-stock/retry#1:SUCCEEDED']);
    const { rows: reservations } = await t.sql.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [data.orderId]);
    expect(reservations).toEqual([{ status: 'RESERVED' }]);
    await expectBalanced(t.sql, stock);
  });

  it('a timer whose write fails for now (a serialization failure) is not poisoned: it stays due and fires once the database takes it', async () => {
    faults.setLatency('inventory.ReserveInventory', 3000); // the step times out
    const engine = t.app.get(SagaEngine);
    const data = { orderId: randomUUID(), lines: [{ productId: 'poison_beans', quantity: 1 }] };
    const sagaId = await t.app.get(DataSource).transaction((tx) => engine.start(tx, sturdySaga, data));
    // Every history write of this saga fails as a serialization failure would; the sequence counts the tries.
    await t.sql.query(`CREATE SEQUENCE public.flaky_tries`);
    await t.sql.query(`CREATE FUNCTION public.flaky_steps() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.saga_id = '${sagaId}' THEN PERFORM nextval('public.flaky_tries'); RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END IF;
        RETURN NEW;
      END $$`);
    await t.sql.query(`CREATE TRIGGER flaky_steps BEFORE INSERT ON saga.saga_steps FOR EACH ROW EXECUTE FUNCTION public.flaky_steps()`);
    try {
      await waitFor('the timer to fail three times', async () => {
        const { rows } = await t.sql.query(`SELECT last_value, is_called FROM public.flaky_tries`);
        return rows[0].is_called && Number(rows[0].last_value) >= 3 ? true : undefined;
      });
      const { rows: during } = await t.sql.query(`SELECT status, poison_attempts, last_error FROM saga.saga_instances WHERE id = $1`, [sagaId]);
      expect(during).toEqual([{ status: 'STARTED', poison_attempts: 0, last_error: null }]); // as it was: nothing recorded
    } finally {
      await t.sql.query(`DROP TRIGGER flaky_steps ON saga.saga_steps; DROP FUNCTION public.flaky_steps(); DROP SEQUENCE public.flaky_tries`);
    }
    faults.clear();
    expect(await t.waitForSaga(sagaId, ['COMPLETED', 'COMPENSATED'])).toMatch(/^COMP/);
    const saga = await sagaOf(t, sagaId);
    expect({ poisonAttempts: saga.poisonAttempts, poisoned: /POISONED/.test(saga.lastError ?? '') }).toEqual({ poisonAttempts: 0, poisoned: false });
    await expectBalanced(t.sql, stock);
  });
});
