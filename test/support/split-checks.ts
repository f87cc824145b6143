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
 * Once every outbox is drained: each database is consistent on its own, and across them each
 * CONFIRMED order holds its stock and one captured payment of its total, each CANCELLED order
 * neither, and no saga step succeeded twice.
 */
export async function expectSplitConsistent(split: SplitDeployment): Promise<void> {
  for (const db of Object.values(split.dbs)) {
    await waitFor('the outbox to drain', async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL AND dead_at IS NULL');
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
    expect(await checkConsistency(db, 0)).toEqual([]);
  }
  const { rows: orders } = await split.dbs.front.query(`SELECT id::text, status, total_amount::text AS total FROM orders.orders`);
  const { rows: held } = await split.dbs.inventory.query(`SELECT order_id, status FROM inventory.reservations`);
  const { rows: paid } = await split.dbs.payment.query(`SELECT order_id, status, amount::text FROM payment.payments`);
  const reservation = new Map(held.map((r: { order_id: string; status: string }) => [r.order_id, r.status]));
  const payment = new Map(paid.map((p: { order_id: string; status: string; amount: string }) => [p.order_id, p]));
  const wrong = orders.filter((o: { id: string; status: string; total: string }) => {
    const p = payment.get(o.id);
    if (o.status === 'CONFIRMED') return reservation.get(o.id) !== 'RESERVED' || p?.status !== 'CAPTURED' || p.amount !== o.total;
    return reservation.get(o.id) === 'RESERVED' || p?.status === 'CAPTURED';
  });
  expect(wrong).toEqual([]);
  const { rows: doubled } = await split.dbs.front.query(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM saga.saga_steps WHERE status = 'SUCCEEDED' GROUP BY saga_id, step, action HAVING count(*) > 1) d`,
  );
  expect(doubled[0].n).toBe(0);
}
