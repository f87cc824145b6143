import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { expectBalanced } from './support/assertions.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';

/** A saga's outbox rows in the order they were written: when, when delivered, by which transaction. */
async function rowsOf(t: TestApp, sagaId: string) {
  const { rows } = await t.sql.query(
    `SELECT type, consumer, attempts, created_at, processed_at FROM messaging.outbox WHERE meta->>'correlationId' = $1 ORDER BY id`,
    [sagaId],
  );
  return rows as { type: string; consumer: string; attempts: number; created_at: Date; processed_at: Date | null }[];
}

const place = async (t: TestApp, productId: string) =>
  (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId, quantity: 1, price: '5.00' }] }).expect(201)).body;

describe('replies to the saga engine in the same process', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...ORDER_SAGA_V1, RELAY_ENABLED: 'false' } }); // rows wait until drain() delivers them
    await request(t.http).post('/api/v1/products').send({ id: 'local_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.sql.query('DROP TRIGGER IF EXISTS refuse_once ON saga.saga_steps').catch(() => undefined);
    await t?.close();
  });

  it('are applied in the transaction of the command that answered, and the next command commits with them', async () => {
    const order = await place(t, 'local_beans');
    await t.drain();

    const rows = await rowsOf(t, order.sagaId);
    expect(rows.map((r) => `${r.consumer}:${r.type}`)).toEqual([
      'command:inventory.ReserveInventory',
      'saga:inventory.InventoryReserved',
      'command:payment.ProcessPayment',
      'saga:payment.PaymentCaptured',
      'command:order.ConfirmOrder',
      'saga:order.OrderConfirmed',
    ]);
    // PostgreSQL's now() is the transaction's start: one transaction delivered each command,
    // wrote and applied its reply (already processed, never claimed again), and wrote the next command.
    for (const i of [0, 2, 4]) {
      const [command, reply, next] = rows.slice(i, i + 3);
      expect(reply.created_at).toEqual(command.processed_at);
      expect(reply.processed_at).toEqual(command.processed_at);
      expect(reply.attempts).toBe(1);
      if (next) expect(next.created_at).toEqual(command.processed_at);
    }
    const { rows: saga } = await t.sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [order.sagaId]);
    expect(saga[0].status).toBe('COMPLETED');
    const { rows: inbox } = await t.sql.query(
      `SELECT consumer, count(*)::int AS n FROM messaging.inbox WHERE message_id IN (SELECT message_id::text FROM messaging.outbox WHERE meta->>'correlationId' = $1) GROUP BY consumer ORDER BY consumer`,
      [order.sagaId],
    );
    expect(inbox).toEqual([{ consumer: 'inventory', n: 1 }, { consumer: 'order', n: 1 }, { consumer: 'payment', n: 1 }, { consumer: 'saga', n: 3 }]);
  });

  it('a reply that fails to apply undoes the command it answers; the command then goes alone and its reply through the outbox', async () => {
    const order = await place(t, 'local_beans');
    // The saga's next history write (its first decision) fails once, then never again: a
    // sequence is not rolled back with the transaction that advanced it.
    await t.sql.query(`
      CREATE SEQUENCE IF NOT EXISTS refuse_once_seq;
      CREATE OR REPLACE FUNCTION refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('refuse_once_seq') = 1 THEN RAISE EXCEPTION 'refused once'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_once BEFORE INSERT ON saga.saga_steps FOR EACH ROW EXECUTE FUNCTION refuse_once();`);
    await t.drain();
    await t.sql.query('DROP TRIGGER refuse_once ON saga.saga_steps');

    const rows = await rowsOf(t, order.sagaId);
    expect(rows.map((r) => r.type)).toEqual([
      'inventory.ReserveInventory',
      'inventory.InventoryReserved',
      'payment.ProcessPayment',
      'payment.PaymentCaptured',
      'order.ConfirmOrder',
      'order.OrderConfirmed',
    ]);
    const [reserve, reserved] = rows;
    // The reservation's reply went its own way: written by the command's transaction, delivered by another.
    expect(reserved.created_at).toEqual(reserve.processed_at);
    expect(reserved.processed_at).not.toEqual(reserve.processed_at);
    expect(rows.every((r) => r.processed_at !== null)).toBe(true);
    const { rows: saga } = await t.sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [order.sagaId]);
    expect(saga[0].status).toBe('COMPLETED');
    const { rows: reservations } = await t.sql.query('SELECT count(*)::int AS n FROM inventory.reservations WHERE order_id = $1', [order.id]);
    expect(reservations[0].n).toBe(1);
    await expectBalanced(t.sql, { local_beans: 10 });
  });
});
