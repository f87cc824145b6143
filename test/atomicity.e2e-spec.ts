import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('placing an order is one transaction', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Relay off: what POST wrote stays visible, undelivered.
    t = await startTestApp({ env: { RELAY_ENABLED: 'false' } });
    await request(t.http).post('/api/v1/products').send({ id: 'atom_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(() => t?.close());

  it('writes the order, its saga and the first command together', async () => {
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'atom_beans', quantity: 1, price: '5.00' }] }).expect(201)).body;
    const { rows } = await t.sql.query(
      `SELECT (SELECT status FROM orders.orders WHERE id = $1) AS order_status,
              (SELECT status FROM saga.saga_instances WHERE id = $2) AS saga_status,
              (SELECT json_agg(json_build_object('type', type, 'consumer', consumer, 'replyTo', meta->>'replyTo') ORDER BY id)
                 FROM messaging.outbox WHERE meta->>'correlationId' = $2::text AND processed_at IS NULL) AS outbox`,
      [order.id, order.sagaId],
    );
    expect(rows[0]).toEqual({
      order_status: 'PENDING',
      saga_status: 'STARTED',
      // The first step holds the stock and the card at once: both commands go with the order.
      outbox: [
        { type: 'inventory.ReserveInventory', consumer: 'command', replyTo: 'saga' },
        { type: 'payment.AuthorizePayment', consumer: 'command', replyTo: 'saga' },
      ],
    });
  });

  /** Every row an order writes, counted. */
  const count = async () =>
    (await t.sql.query(
      `SELECT (SELECT count(*) FROM orders.orders)::int AS orders, (SELECT count(*) FROM orders.order_items)::int AS items,
              (SELECT count(*) FROM saga.saga_instances)::int AS sagas, (SELECT count(*) FROM messaging.outbox)::int AS outbox,
              (SELECT count(*) FROM orders.idempotency_keys)::int AS keys`,
    )).rows[0];

  /** Places an order while a trigger refuses every insert into `table` (schema-qualified); answers the response. */
  async function placeRefusedBy(table: string, idempotencyKey: string) {
    const [schema] = table.split('.');
    await t.sql.query(`
      CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse();`);
    try {
      return await request(t.http)
        .post('/api/v1/orders')
        .set('Idempotency-Key', idempotencyKey)
        .send({ customerId: 'c', items: [{ productId: 'atom_beans', quantity: 1, price: '5.00' }] });
    } finally {
      await t.sql.query(`DROP TRIGGER refuse ON ${table}; DROP FUNCTION ${schema}.refuse()`);
    }
  }

  it('a failure anywhere in it leaves nothing behind: no order, no saga, no message, no key', async () => {
    const before = await count();
    // The saga's insert fails after the order rows were written in the same transaction.
    const res = await placeRefusedBy('saga.saga_instances', 'atom-1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'Internal server error', correlationId: expect.any(String) });
    expect(await count()).toEqual(before);
  });

  it('a failure of the outbox write, sent together with the COMMIT, fails the request and leaves nothing behind', async () => {
    const before = await count();
    // The outbox rows are the transaction's last write, pipelined with its COMMIT.
    const res = await placeRefusedBy('messaging.outbox', 'atom-2');
    expect(res.status).toBe(500);
    expect(await count()).toEqual(before);
  });
});
