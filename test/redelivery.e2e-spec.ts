import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InventoryReserved, ReserveInventory } from '../src/inventory/inventory.messages.js';
import { Outbox } from '../src/messaging/outbox.js';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { ProcessPayment } from '../src/payment/payment.messages.js';
import { expectBalanced } from './support/assertions.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';

/** Everything one saga's messages can change. */
async function snapshot(t: TestApp, orderId: string, sagaId: string) {
  const { rows } = await t.sql.query(
    `SELECT (SELECT row_to_json(p) FROM (SELECT available, reserved FROM inventory.products WHERE id = 'redo_beans') p) AS stock,
            (SELECT json_agg(row_to_json(p)) FROM (SELECT status, amount FROM payment.payments WHERE order_id = $1) p) AS payments,
            (SELECT row_to_json(s) FROM (SELECT status, version, step_index FROM saga.saga_instances WHERE id = $2) s) AS saga,
            (SELECT count(*) FROM saga.saga_steps WHERE saga_id = $2)::int AS history,
            (SELECT status FROM orders.orders WHERE id = $1::uuid) AS order_status,
            (SELECT count(*) FROM messaging.outbox WHERE meta->>'correlationId' = $2::text)::int AS outbox,
            (SELECT count(*) FROM messaging.inbox)::int AS inbox`,
    [orderId, sagaId],
  );
  return rows[0];
}

describe('redelivery', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ORDER_SAGA_V1 });
    await request(t.http).post('/api/v1/products').send({ id: 'redo_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(() => t?.close());

  it('every command and reply of a saga delivered a second time changes nothing', async () => {
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'redo_beans', quantity: 2, price: '5.00' }] }).expect(201)).body;
    await t.drain();
    const before = await snapshot(t, order.id, order.sagaId);
    expect(before).toMatchObject({ stock: { available: 8, reserved: 2 }, payments: [{ status: 'CAPTURED' }], saga: { status: 'COMPLETED' }, order_status: 'CONFIRMED' });

    // As if every delivery had crashed after its effects but before the relay saw it done.
    const { rowCount } = await t.sql.query(
      `UPDATE messaging.outbox SET processed_at = NULL, available_at = now() WHERE meta->>'correlationId' = $1`,
      [order.sagaId],
    );
    expect(rowCount).toBe(6); // 3 commands + 3 replies
    await t.drain();

    expect(await snapshot(t, order.id, order.sagaId)).toEqual(before);
    await expectBalanced(t.sql, { redo_beans: 10 });
  });

  it('commands and replies of several sagas redelivered together, in shared batches, change nothing either', async () => {
    const orders = [];
    for (let i = 0; i < 3; i++) {
      orders.push((await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'redo_beans', quantity: 1, price: '5.00' }] }).expect(201)).body);
    }
    await t.drain();
    const before = await Promise.all(orders.map((o) => snapshot(t, o.id, o.sagaId)));

    // Due again at once: one claim takes all 18 rows, so each lane gets a batch (3 of each command, 9 replies).
    const { rowCount } = await t.sql.query(
      `UPDATE messaging.outbox SET processed_at = NULL, available_at = now() WHERE meta->>'correlationId' = ANY($1)`,
      [orders.map((o) => o.sagaId)],
    );
    expect(rowCount).toBe(18);
    await t.drain();

    expect(await Promise.all(orders.map((o) => snapshot(t, o.id, o.sagaId)))).toEqual(before); // no second reply, no second effect
    const { rows } = await t.sql.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL');
    expect(rows[0].n).toBe(0);
  });

  it('a stale or duplicate reply with a new message id is dropped by the saga', async () => {
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'redo_beans', quantity: 1, price: '5.00' }] }).expect(201)).body;
    await t.drain();
    const before = await snapshot(t, order.id, order.sagaId);
    const { rows } = await t.sql.query(
      `SELECT message_id FROM saga.saga_steps WHERE saga_id = $1 AND step = 'reserve-inventory'`,
      [order.sagaId],
    );
    // A second "reserved" reply to the first command, arriving after the saga moved on.
    const late = new InventoryReserved(
      { orderId: order.id, reservationId: 'another' },
      { correlationId: order.sagaId, causationId: rows[0].message_id, recipient: 'saga' },
    );
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, late));
    await t.drain();

    const after = await snapshot(t, order.id, order.sagaId);
    expect({ ...after, outbox: after.outbox - 1, inbox: after.inbox - 1 }).toEqual(before); // only the late reply's own rows
    const { rows: pending } = await t.sql.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL');
    expect(pending[0].n).toBe(0);
  });
});

describe('replies batched together', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...ORDER_SAGA_V1, RELAY_ENABLED: 'false' } }); // rows wait in the outbox until drain() claims them
    await request(t.http).post('/api/v1/products').send({ id: 'batch_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(() => t?.close());

  it('two replies to one saga in one batch: the second is judged on the state the first left', async () => {
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'batch_beans', quantity: 1, price: '5.00' }] }).expect(201)).body;
    const { rows: steps } = await t.sql.query(`SELECT message_id FROM saga.saga_steps WHERE saga_id = $1 AND step = 'reserve-inventory'`, [order.sagaId]);
    const command = steps[0].message_id;
    // As if the command had been delivered and answered twice: its reply, and a duplicate with an id of its own.
    await t.sql.query('UPDATE messaging.outbox SET processed_at = now() WHERE message_id = $1', [command]);
    const replies = ['first', 'second'].map(
      (reservationId) => new InventoryReserved({ orderId: order.id, reservationId }, { correlationId: order.sagaId, causationId: command, recipient: 'saga' }),
    );
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, replies));
    await t.drain();

    // Both went in one batch (one transaction, so one processed_at), and only the first moved the saga on.
    const { rows: delivered } = await t.sql.query('SELECT DISTINCT processed_at FROM messaging.outbox WHERE message_id = ANY($1)', [replies.map((r) => r.meta.messageId)]);
    expect(delivered).toHaveLength(1);
    const { rows: history } = await t.sql.query(`SELECT step, action, attempt, status FROM saga.saga_steps WHERE saga_id = $1 ORDER BY started_at, step`, [order.sagaId]);
    expect(history).toEqual([
      { step: 'create-order', action: 'execute', attempt: 1, status: 'SUCCEEDED' },
      { step: 'reserve-inventory', action: 'execute', attempt: 1, status: 'SUCCEEDED' },
      { step: 'process-payment', action: 'execute', attempt: 1, status: 'SUCCEEDED' },
      { step: 'confirm-order', action: 'execute', attempt: 1, status: 'SUCCEEDED' },
    ]);
    const { rows: payments } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE type = $2 AND meta->>'correlationId' = $1`, [order.sagaId, ProcessPayment.type]);
    expect(payments[0].n).toBe(1);
    const { rows: saga } = await t.sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [order.sagaId]);
    expect(saga[0].status).toBe('COMPLETED');
  });

  it('a fault injected into a batch fails that one delivery once: the batch goes one by one without deciding again', async () => {
    const orders = [];
    for (let i = 0; i < 2; i++) {
      orders.push((await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'batch_beans', quantity: 1, price: '5.00' }] }).expect(201)).body);
    }
    t.app.get(FaultInjector).failNext(ReserveInventory.type, 1);
    await t.drain(); // one claim, one batch of both commands: it rolls back, then each goes alone

    const { rows } = await t.sql.query(
      `SELECT saga_id, status FROM saga.saga_steps WHERE saga_id = ANY($1) AND step = 'reserve-inventory' AND attempt = 1 ORDER BY status`,
      [orders.map((o) => o.sagaId)],
    );
    expect(rows.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);
    t.app.get(FaultInjector).clear();
  });
});
