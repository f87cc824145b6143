import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { ModuleName } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { migrate } from '../src/database/migrations-runner.js';
import { checkConsistency, type ModuleDatabases } from '../src/verify/consistency-check.js';
import { createEmptyDatabase } from './support/test-database.js';

const VERIFY = fileURLToPath(new URL('../dist/src/verify.js', import.meta.url));

const SAGA_CONFIRMED = '10000000-0000-4000-8000-000000000001';
const SAGA_CANCELLED = '10000000-0000-4000-8000-000000000002';
const CONFIRMED = '20000000-0000-4000-8000-000000000001';
const CANCELLED = '20000000-0000-4000-8000-000000000002';

/** A database of its own for `modules`, migrated as their process would, holding `rows` (SQL). */
async function moduleDatabase(modules: ModuleName[], rows: string): Promise<{ url: string; client: pg.Client }> {
  const url = await createEmptyDatabase();
  const db = await new DataSource(dataSourceOptions(url, modules)).initialize();
  await migrate(db);
  await db.destroy();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(rows);
  return { url, client };
}

/**
 * Order and saga in one database, inventory, payment and notification in one each, as four
 * processes would leave them: an order confirmed (stock held, payment captured, customer told)
 * and one cancelled (stock released, payment declined, customer told).
 */
describe('npm run verify across the databases of the modules', () => {
  let orders: { url: string; client: pg.Client };
  let inventory: { url: string; client: pg.Client };
  let payment: { url: string; client: pg.Client };
  let notification: { url: string; client: pg.Client };
  let dbs: ModuleDatabases;

  beforeAll(async () => {
    orders = await moduleDatabase(['order', 'saga', 'shipping'], `
      INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data) VALUES
        ('${SAGA_CONFIRMED}', 'place-order', 'COMPLETED', 3, 'confirm-order', '{}'),
        ('${SAGA_CANCELLED}', 'place-order', 'COMPENSATED', 1, 'charge-payment', '{}');
      INSERT INTO orders.orders (id, customer_id, status, total_amount, saga_id) VALUES
        ('${CONFIRMED}', 'c1', 'CONFIRMED', 39.98, '${SAGA_CONFIRMED}'),
        ('${CANCELLED}', 'c1', 'CANCELLED', 600.00, '${SAGA_CANCELLED}');
      INSERT INTO messaging.outbox (message_id, consumer, destination, type, payload, meta, processed_at)
        VALUES (gen_random_uuid(), 'saga', 'saga', 'payment.PaymentProcessed', '{}', '{}', now())`);
    inventory = await moduleDatabase(['inventory'], `
      INSERT INTO inventory.products (id, name, price, available, reserved, stocked) VALUES ('beans', 'beans', 19.99, 8, 2, 10);
      INSERT INTO inventory.reservations (order_id, id, status, lines) VALUES
        ('${CONFIRMED}', gen_random_uuid(), 'RESERVED', '[{"productId": "beans", "quantity": 2}]'),
        ('${CANCELLED}', gen_random_uuid(), 'RELEASED', '[{"productId": "beans", "quantity": 30}]');
      INSERT INTO messaging.outbox (message_id, consumer, destination, type, payload, meta, processed_at)
        VALUES (gen_random_uuid(), 'saga', 'saga', 'inventory.InventoryReserved', '{}', '{}', now())`);
    payment = await moduleDatabase(['payment'], `
      INSERT INTO payment.payments (id, order_id, customer_id, amount, status) VALUES
        (gen_random_uuid(), '${CONFIRMED}', 'c1', 39.98, 'CAPTURED'),
        (gen_random_uuid(), '${CANCELLED}', 'c1', 600.00, 'DECLINED')`);
    notification = await moduleDatabase(['notification'], `
      INSERT INTO notification.notifications (id, order_id, customer_id, kind, channel, subject, body) VALUES
        (gen_random_uuid(), '${CONFIRMED}', 'c1', 'ORDER_CONFIRMED', 'log', 's', 'b'),
        (gen_random_uuid(), '${CANCELLED}', 'c1', 'ORDER_CANCELLED', 'log', 's', 'b')`);
    dbs = { order: orders.client, saga: orders.client, shipping: orders.client, inventory: inventory.client, payment: payment.client, notification: notification.client };
  });
  afterAll(async () => {
    for (const db of [orders, inventory, payment, notification]) await db?.client.end();
  });

  /** `npm run verify` with order and saga on DATABASE_URL and the others on their own. */
  const verifyCli = () => {
    const env = { ...process.env, DATABASE_URL: orders.url, INVENTORY_DATABASE_URL: inventory.url, PAYMENT_DATABASE_URL: payment.url, NOTIFICATION_DATABASE_URL: notification.url };
    const run = spawnSync(process.execPath, [VERIFY], { env, encoding: 'utf8', timeout: 30_000 });
    return { code: run.status, out: run.stdout + run.stderr };
  };

  /** Breaks one invariant in one database, inside a transaction that is rolled back after the check. */
  async function violationsAfter(db: pg.Client, corruption: string) {
    await db.query('BEGIN');
    try {
      await db.query(corruption);
      return await checkConsistency(dbs, 0);
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it('finds nothing wrong where the databases agree', async () => {
    expect(await checkConsistency(dbs, 0)).toEqual([]);
    const { code, out } = verifyCli();
    expect(out).toContain(': order, saga');
    expect(out).toMatch(/database \S+: inventory\n/);
    expect(out).toContain('sagas: COMPENSATED 1, COMPLETED 1');
    expect(out).not.toContain('FAIL');
    expect(code).toBe(0);
  });

  it.each([
    ['a confirmed order whose payment (in the payment database) was refunded', () => payment.client, `UPDATE payment.payments SET status = 'REFUNDED' WHERE order_id = '${CONFIRMED}'`,
      [{ invariant: 'CONFIRMED_NOT_PAID_ONCE', subject: CONFIRMED, detail: '0 captured payment(s) of 39.98' }]],
    ['a cancelled order charged', () => payment.client, `UPDATE payment.payments SET status = 'CAPTURED' WHERE order_id = '${CANCELLED}'`,
      [{ invariant: 'CANCELLED_ORDER_CHARGED', subject: CANCELLED, detail: expect.stringMatching(/^payment \S+ is CAPTURED$/) }]],
    ['a completed saga whose order (in the order database) is not confirmed', () => orders.client, `UPDATE orders.orders SET status = 'PENDING' WHERE id = '${CONFIRMED}'`,
      [{ invariant: 'SAGA_ORDER_MISMATCH', subject: SAGA_CONFIRMED, detail: 'saga COMPLETED, order PENDING' },
        { invariant: 'NOTIFICATION_ORDER_MISMATCH', subject: CONFIRMED, detail: expect.stringMatching(/^notification \S+ ORDER_CONFIRMED, order PENDING$/) }]],
    ['a compensated saga whose order is missing', () => orders.client, `DELETE FROM orders.orders WHERE id = '${CANCELLED}'`,
      [{ invariant: 'SAGA_ORDER_MISMATCH', subject: SAGA_CANCELLED, detail: 'saga COMPENSATED, order missing' },
        { invariant: 'NOTIFICATION_ORDER_MISMATCH', subject: CANCELLED, detail: expect.stringMatching(/^notification \S+ ORDER_CANCELLED, order missing$/) }]],
    ['a cancelled order (in the order database) whose stock (in the inventory database) is still held', () => inventory.client,
      `UPDATE inventory.reservations SET status = 'RESERVED', lines = '[{"productId": "beans", "quantity": 0}]' WHERE order_id = '${CANCELLED}'`,
      [{ invariant: 'CANCELLED_ORDER_HOLDS_STOCK', subject: CANCELLED, detail: 'reservation still RESERVED' }]],
    ['a cancelled order (in the order database) whose reservation (in the inventory database) was shipped', () => inventory.client,
      `UPDATE inventory.reservations SET status = 'SHIPPED', lines = '[{"productId": "beans", "quantity": 0}]' WHERE order_id = '${CANCELLED}'`,
      [{ invariant: 'SHIPPED_ORDER_NOT_LIVE', subject: CANCELLED, detail: 'reservation SHIPPED, order CANCELLED' }]],
    ['a cancelled order with a created shipment', () => orders.client,
      `INSERT INTO shipping.shipments (id, order_id, status, lines, units) VALUES (gen_random_uuid(), '${CANCELLED}', 'CREATED', '[]', 0)`,
      [{ invariant: 'SHIPMENT_ORDER_NOT_LIVE', subject: CANCELLED, detail: 'shipment CREATED, order CANCELLED' }]],
    ['a customer told (in the notification database) that a cancelled order is confirmed', () => notification.client,
      `UPDATE notification.notifications SET kind = 'ORDER_CONFIRMED' WHERE order_id = '${CANCELLED}'`,
      [{ invariant: 'NOTIFICATION_ORDER_MISMATCH', subject: CANCELLED, detail: expect.stringMatching(/^notification \S+ ORDER_CONFIRMED, order CANCELLED$/) }]],
    ['a notification (in the notification database) for an order the order database does not have', () => notification.client,
      `UPDATE notification.notifications SET order_id = 'no-such-order' WHERE order_id = '${CONFIRMED}'`,
      [{ invariant: 'NOTIFICATION_ORDER_MISMATCH', subject: 'no-such-order', detail: expect.stringMatching(/^notification \S+ ORDER_CONFIRMED, order missing$/) }]],
    ['a dead letter in the inventory database', () => inventory.client, `UPDATE messaging.outbox SET processed_at = NULL, dead_at = now(), last_error = 'boom'`,
      [{ invariant: 'DEAD_LETTER', subject: expect.stringMatching(/^inventory database: \d+$/), detail: 'inventory.InventoryReserved to saga: boom' }]],
  ])('reports %s', async (_name, db, corruption, expected) => {
    expect(await violationsAfter(db(), corruption)).toEqual(expected);
  });

  it('exits 1 and names the order when one invariant is broken across databases', async () => {
    await payment.client.query(`UPDATE payment.payments SET status = 'REFUNDED' WHERE order_id = '${CONFIRMED}'`);
    try {
      const { code, out } = verifyCli();
      expect(out).toContain(`FAIL CONFIRMED_NOT_PAID_ONCE`);
      expect(out).toContain(`${CONFIRMED}: 0 captured payment(s) of 39.98`);
      expect(out.match(/^FAIL/gm)).toHaveLength(1);
      expect(code).toBe(1);
    } finally {
      await payment.client.query(`UPDATE payment.payments SET status = 'CAPTURED' WHERE order_id = '${CONFIRMED}'`);
    }
  });

  it('refuses, naming the variable to set, when a module has no tables in the database it was given', () => {
    const env = { ...process.env, DATABASE_URL: orders.url, INVENTORY_DATABASE_URL: inventory.url }; // payment's falls back to the order database
    const run = spawnSync(process.execPath, [VERIFY], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toContain('The payment tables are not in');
    expect(run.stderr).toContain('PAYMENT_DATABASE_URL');
    expect(run.status).toBe(2);
  });
});
