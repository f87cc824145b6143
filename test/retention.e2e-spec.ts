import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { Event, registerMessages } from '../src/messaging/message.js';
import { Outbox } from '../src/messaging/outbox.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';

class Later extends Event<object> {
  static readonly type = 'test.Later';
}
registerMessages(Later);

describe('retention', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1,
        RETENTION_INTERVAL_MS: '0', // purged by hand below
        RETENTION_BATCH_SIZE: '3',
        RETENTION_OUTBOX_MS: '0',
        RETENTION_INBOX_MS: '0',
        RETENTION_SAGA_MS: '0',
        SAGA_COMPENSATION_ATTEMPTS: '1',
        SAGA_RETRY_DELAY_MS: '10',
      },
    });
    await request(t.http).post('/api/v1/products').send({ id: 'ret_beans', name: 'beans', price: '100.00', stock: 100 }).expect(201);
  });
  afterAll(() => t?.close());

  const count = async (sql: string) => (await t.sql.query(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0].n as number;

  it('purges delivered messages, applied ids, finished sagas and old keys in batches; keeps what is still owed or needs a person', async () => {
    const orders = [];
    for (let i = 0; i < 5; i++) {
      const quantity = i === 0 ? 6 : 1; // the first is declined and compensates
      orders.push((await request(t.http).post('/api/v1/orders').set('Idempotency-Key', `ret-${i}`).send({ customerId: 'c', items: [{ productId: 'ret_beans', quantity, price: '100.00' }] }).expect(201)).body);
    }
    for (const o of orders) await t.waitForSaga(o.sagaId);
    // One saga that needs a person, and one message not yet due.
    t.app.get(FaultInjector).failNext('inventory.ReleaseInventory', Infinity);
    const stuck = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'ret_beans', quantity: 6, price: '100.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(stuck.sagaId)).toBe('FAILED');
    const later = new Later({}, { recipient: 'nobody-yet' });
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, later, { delayMs: 3_600_000 }));
    const delivered = await count('messaging.outbox WHERE processed_at IS NOT NULL');
    const applied = await count('messaging.inbox');
    const historyOfFailed = await count(`saga.saga_steps WHERE saga_id = '${stuck.sagaId}'`);

    const deleted = await t.app.get(RetentionService).purge();
    expect(deleted).toEqual({ 'delivered outbox rows': delivered, 'inbox rows': applied, 'finished sagas': 5, 'idempotency keys': 0, 'saga idempotency keys': 0 });
    expect(await count('messaging.outbox')).toBe(1); // the one not yet due
    expect(await count('messaging.inbox')).toBe(0);
    expect((await t.sql.query('SELECT id, status FROM saga.saga_instances')).rows).toEqual([{ id: stuck.sagaId, status: 'FAILED' }]);
    expect(await count('saga.saga_steps')).toBe(historyOfFailed);
    expect(await count('orders.orders')).toBe(6); // business records are not purged

    // Idempotency keys are kept 24 h (less is refused at start: src/config/app-config.spec.ts).
    await t.sql.query(`UPDATE orders.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key IN ('ret-0', 'ret-1')`);
    expect((await t.app.get(RetentionService).purge())['idempotency keys']).toBe(2);
    expect((await t.sql.query('SELECT key FROM orders.idempotency_keys ORDER BY key')).rows.map((r) => r.key)).toEqual(['ret-2', 'ret-3', 'ret-4']);
  });
});
