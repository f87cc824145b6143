import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { genericPlan } from '../../../test/support/generic-plan.js';
import { connectTestDatabase } from '../../../test/support/test-database.js';
import { SAVE_DECISIONS } from './saga-store.js';

describe('the saga store on large tables', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
    // Started over the last hours, as a real table's are (one insert would give them all one
    // created_at, and the lists' (created_at, id) indexes would look as selective as the key).
    await db.query(`INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, created_at)
      SELECT gen_random_uuid(), 'place-order', 'COMPLETED', 3, 'confirm-order', '{}', now() - n * interval '1 second' FROM generate_series(1, 5000) AS n`);
    await db.query(`INSERT INTO saga.saga_steps (saga_id, step, action, status)
      SELECT id, 'step-' || n, 'execute', 'SUCCEEDED' FROM saga.saga_instances, generate_series(1, 4) AS n`);
    await db.query('ANALYZE saga.saga_instances, saga.saga_steps');
  });
  afterAll(() => db?.destroy());

  it('writes a batch of decisions through the indexes, never scanning the history or the sagas whole', async () => {
    const plan = await genericPlan(db, SAVE_DECISIONS);
    expect(plan).toMatch(/Index Scan .*saga_steps_saga/);
    expect(plan).toMatch(/Index Scan .*saga_instances_pkey/);
    expect(plan).not.toMatch(/Seq Scan on saga_(steps|instances)/);
  });
});
