import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('consistency checker', () => {
  let t: TestApp;
  let client: pg.Client;
  const ids: Record<string, { id: string; sagaId: string }> = {};

  beforeAll(async () => {
    t = await startTestApp();
    await request(t.http).post('/api/v1/products').send({ id: 'chk_beans', name: 'beans', price: '100.00', stock: 50 }).expect(201);
    const place = async (quantity: number) =>
      (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'chk_beans', quantity, price: '100.00' }] }).expect(201)).body;
    ids.confirmed = await place(2);
    ids.cancelled = await place(6); // 600.00: declined
    await t.drain();
    client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await t?.close();
  });

  it('finds nothing wrong in a database the app left', async () => {
    expect(await checkConsistency(client, 0)).toEqual([]);
  });

  /** Breaks one invariant inside a transaction, runs the checker in it, and rolls back. */
  async function violationsAfter(corruption: string | string[], params: unknown[] = []): Promise<string[]> {
    await client.query('BEGIN');
    try {
      for (const sql of [corruption].flat()) await client.query(sql, sql.includes('$1') ? params : []);
      return (await checkConsistency(client, 1_000)).map((v) => v.invariant);
    } finally {
      await client.query('ROLLBACK');
    }
  }

  it.each([
    ['a saga left running without a timer', 'SAGA_NOT_OWNED', `UPDATE saga.saga_instances SET status = 'RUNNING', timeout_at = NULL WHERE id = $1`, 'confirmed'],
    ['a saga whose timer is long overdue', 'SAGA_NOT_OWNED', `UPDATE saga.saga_instances SET status = 'RUNNING', awaiting_message_id = gen_random_uuid(), timeout_at = now() - interval '1 hour' WHERE id = $1`, 'confirmed'],
    ['a completed saga whose order is not confirmed', 'SAGA_ORDER_MISMATCH', `UPDATE orders.orders SET status = 'PENDING' WHERE saga_id = $1`, 'confirmed'],
    ['stock that appeared from nowhere', 'STOCK_NOT_CONSERVED', `UPDATE inventory.products SET available = available - 1 WHERE id = 'chk_beans'`, null],
    ['reserved units no reservation holds', 'RESERVED_NOT_HELD', `UPDATE inventory.products SET available = available - 1, reserved = reserved + 1 WHERE id = 'chk_beans'`, null],
    ['a cancelled order still holding stock', 'CANCELLED_ORDER_HOLDS_STOCK', `UPDATE inventory.reservations SET status = 'RESERVED' WHERE order_id = (SELECT id::text FROM orders.orders WHERE saga_id = $1)`, 'cancelled'],
    ['shipped units no shipped reservation accounts for', 'SHIPPED_NOT_ACCOUNTED', `UPDATE inventory.products SET available = available - 1, shipped = shipped + 1 WHERE id = 'chk_beans'`, null],
    ['shipped units that appeared from nowhere', 'STOCK_NOT_CONSERVED', [
      'ALTER TABLE inventory.products DROP CONSTRAINT products_stock_valid',
      `UPDATE inventory.products SET shipped = shipped + 1 WHERE id = 'chk_beans'`,
    ], null],
    ['a cancelled order whose reservation was shipped', 'SHIPPED_ORDER_NOT_LIVE', `UPDATE inventory.reservations SET status = 'SHIPPED' WHERE order_id = (SELECT id::text FROM orders.orders WHERE saga_id = $1)`, 'cancelled'],
    ['a cancelled order with a created shipment', 'SHIPMENT_ORDER_NOT_LIVE', `INSERT INTO shipping.shipments (id, order_id, status, lines, units) SELECT gen_random_uuid(), id::text, 'CREATED', '[]', 0 FROM orders.orders WHERE saga_id = $1`, 'cancelled'],
    ['a created shipment of no order', 'SHIPMENT_ORDER_NOT_LIVE', `INSERT INTO shipping.shipments (id, order_id, status, lines, units) VALUES (gen_random_uuid(), gen_random_uuid()::text, 'CREATED', '[]', 0)`, null],
    ['a confirmed order charged twice', 'CONFIRMED_NOT_PAID_ONCE', [
      'ALTER TABLE payment.payments DROP CONSTRAINT payments_order_id_key',
      `INSERT INTO payment.payments (id, order_id, customer_id, amount, status)
       SELECT gen_random_uuid(), order_id, 'c', amount, 'CAPTURED' FROM payment.payments WHERE order_id = (SELECT id::text FROM orders.orders WHERE saga_id = $1)`,
    ], 'confirmed'],
    ['a confirmed order refunded', 'CONFIRMED_NOT_PAID_ONCE', `UPDATE payment.payments SET status = 'REFUNDED' WHERE order_id = (SELECT id::text FROM orders.orders WHERE saga_id = $1)`, 'confirmed'],
    ['a cancelled order charged', 'CANCELLED_ORDER_CHARGED', `UPDATE payment.payments SET status = 'CAPTURED' WHERE order_id = (SELECT id::text FROM orders.orders WHERE saga_id = $1)`, 'cancelled'],
    ['a message stuck in the outbox', 'OUTBOX_OVERDUE', `UPDATE messaging.outbox SET processed_at = NULL, available_at = now() - interval '1 hour' WHERE id = (SELECT min(id) FROM messaging.outbox)`, null],
    ['a dead letter', 'DEAD_LETTER', `UPDATE messaging.outbox SET processed_at = NULL, dead_at = now() WHERE id = (SELECT min(id) FROM messaging.outbox)`, null],
  ])('detects %s', async (_name, invariant, corruption, which) => {
    const found = await violationsAfter(corruption, which ? [ids[which].sagaId] : []);
    expect(found).toContain(invariant);
  });
});
