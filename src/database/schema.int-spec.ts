import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { connectTestDatabase } from '../../test/support/test-database.js';

describe('schema', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
  });
  afterAll(() => db?.destroy());

  it('the migrations build exactly what the entities describe (migration:generate would find nothing)', async () => {
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('each module keeps its tables in its own schema', async () => {
    const rows: { table_schema: string; table_name: string }[] = await db.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'public') ORDER BY 1, 2`,
    );
    expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
      'inventory.products',
      'inventory.reservations',
      'messaging.inbox',
      'messaging.outbox',
      'notification.notifications',
      'orders.idempotency_keys',
      'orders.order_items',
      'orders.orders',
      'payment.payments',
      'saga.idempotency_keys',
      'saga.saga_instances',
      'saga.saga_steps',
      'saga.status_count_changes',
      'saga.status_counts',
      'shipping.shipments',
      'webhooks.webhooks',
    ]);
  });
});
