import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { Event, registerMessages } from '../src/messaging/message.js';
import { Outbox } from '../src/messaging/outbox.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { SagaCounts } from '../src/saga/saga-counts.js';
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
  const none = { STARTED: 0, RUNNING: 0, COMPLETED: 0, COMPENSATING: 0, COMPENSATED: 0, FAILED: 0 };
  /**
   * The dashboard's counts (kept as sagas change, not counted on each read) are `expected`, and are
   * what counting the table says; read before and after the changes are folded, so both halves count.
   */
  const expectCounts = async (expected: Partial<typeof none>) => {
    const { rows } = await t.sql.query<{ status: keyof typeof none; n: number }>('SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1');
    const counted = { ...none, ...Object.fromEntries(rows.map((r) => [r.status, r.n])) };
    expect(counted).toEqual({ ...none, ...expected });
    const stats = async () => (await request(t.http).get('/api/v1/sagas/stats').expect(200)).body;
    const types = rows.length > 0 ? ['place-order'] : [];
    expect(await stats()).toEqual({ counts: counted, types });
    await t.app.get(SagaCounts).fold();
    expect(await stats()).toEqual({ counts: counted, types });
    expect((await request(t.http).get('/api/v1/sagas/stats?type=other').expect(200)).body.counts).toEqual(none);
  };

  it('purges delivered messages, applied ids, finished sagas and old keys in batches; keeps what is still owed or needs a person; the saga counts follow', async () => {
    const orders = [];
    for (let i = 0; i < 5; i++) {
      const quantity = i === 0 ? 6 : 1; // the first is declined and compensates
      orders.push((await request(t.http).post('/api/v1/orders').set('Idempotency-Key', `ret-${i}`).send({ customerId: 'c', items: [{ productId: 'ret_beans', quantity, price: '100.00' }] }).expect(201)).body);
    }
    for (const o of orders) await t.waitForSaga(o.sagaId);
    await expectCounts({ COMPLETED: 4, COMPENSATED: 1 });
    // One saga that needs a person, and one message not yet due.
    t.app.get(FaultInjector).failNext('inventory.ReleaseInventory', Infinity);
    const stuck = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'ret_beans', quantity: 6, price: '100.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(stuck.sagaId)).toBe('FAILED');
    await expectCounts({ COMPLETED: 4, COMPENSATED: 1, FAILED: 1 });
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
    // The counts are of the sagas kept: the purged ones left them.
    await expectCounts({ FAILED: 1 });
    const failed = (await request(t.http).get('/api/v1/sagas?status=FAILED').expect(200)).body;
    expect(failed).toEqual({ items: [expect.objectContaining({ id: stuck.sagaId, status: 'FAILED' })], nextCursor: null });

    // A person retries it once the fault is gone: COMPENSATING again, then COMPENSATED, counted each time.
    t.app.get(FaultInjector).clear();
    await request(t.http).post(`/api/v1/sagas/${stuck.sagaId}/retry`).expect(200);
    expect(await t.waitForSaga(stuck.sagaId)).toBe('COMPENSATED');
    await expectCounts({ COMPENSATED: 1 });
    expect((await t.app.get(RetentionService).purge())['finished sagas']).toBe(1);
    await expectCounts({});

    // Idempotency keys are kept 24 h (less is refused at start: src/config/app-config.spec.ts).
    await t.sql.query(`UPDATE orders.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key IN ('ret-0', 'ret-1')`);
    expect((await t.app.get(RetentionService).purge())['idempotency keys']).toBe(2);
    expect((await t.sql.query('SELECT key FROM orders.idempotency_keys ORDER BY key')).rows.map((r) => r.key)).toEqual(['ret-2', 'ret-3', 'ret-4']);
  });
});
