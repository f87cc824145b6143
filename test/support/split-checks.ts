import { expect } from '@jest/globals';
import { checkConsistency } from '../../src/verify/consistency-check.js';
import type { SplitDeployment } from './split-deployment.js';
import { waitFor } from './wait-for.js';

/** Sagas by status in the front's database; every terminal status is present, 0 when none. */
export async function sagaStatuses(split: SplitDeployment): Promise<Record<string, number>> {
  const { rows } = await split.dbs.front.query('SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1');
  return { COMPLETED: 0, COMPENSATED: 0, ...Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n])) };
}

/**
 * Once every outbox is drained: the checker finds nothing across the three databases (each
 * module's tables read from its own; shipping is hosted by the front), and no saga step succeeded twice.
 */
export async function expectSplitConsistent(split: SplitDeployment): Promise<void> {
  for (const db of Object.values(split.dbs)) {
    await waitFor('the outbox to drain', async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL AND dead_at IS NULL');
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  }
  const { front, inventory, payment } = split.dbs;
  expect(await checkConsistency({ order: front, saga: front, shipping: front, notification: front, inventory, payment }, 0)).toEqual([]);
  const { rows: doubled } = await front.query(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM saga.saga_steps WHERE status = 'SUCCEEDED' GROUP BY saga_id, step, action HAVING count(*) > 1) d`,
  );
  expect(doubled[0].n).toBe(0);
}
