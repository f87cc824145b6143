// The same saga as a DBOS Transact workflow: each step a `DBOS.runStep` (checkpointed in the
// DBOS system tables), the business effects in plain `pg` on the same database.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { randomUUID } from 'node:crypto';
import { DECLINE_ABOVE, tx } from './schema.mjs';

let pool;

async function one(sql, params) {
  return pool.query(sql, params);
}

async function placeOrder(id, productId, quantity, total) {
  await DBOS.runStep(() => one(`INSERT INTO bench.orders (id, status, total) VALUES ($1, 'PENDING', $2) ON CONFLICT DO NOTHING`, [id, total]), { name: 'create-order' });
  const reserved = await DBOS.runStep(() => tx(pool, async (client) => {
    const { rows } = await client.query('SELECT available FROM bench.products WHERE id = $1 FOR UPDATE', [productId]);
    const ok = rows[0] && rows[0].available >= quantity;
    if (ok) {
      await client.query('UPDATE bench.products SET available = available - $2, reserved = reserved + $2 WHERE id = $1', [productId, quantity]);
      await client.query(`INSERT INTO bench.reservations (order_id, product_id, quantity, status) VALUES ($1, $2, $3, 'RESERVED')`, [id, productId, quantity]);
    }
    return ok;
  }), { name: 'reserve-inventory' });
  const paid = reserved && (await DBOS.runStep(async () => {
    const ok = total <= DECLINE_ABOVE;
    await one('INSERT INTO bench.payments (order_id, amount, status) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [id, total, ok ? 'CAPTURED' : 'DECLINED']);
    return ok;
  }, { name: 'process-payment' }));
  if (paid) {
    await DBOS.runStep(() => one(`UPDATE bench.orders SET status = 'CONFIRMED' WHERE id = $1`, [id]), { name: 'confirm-order' });
    return 'CONFIRMED';
  }
  if (reserved) {
    await DBOS.runStep(() => tx(pool, async (client) => {
      const { rowCount } = await client.query(`UPDATE bench.reservations SET status = 'RELEASED' WHERE order_id = $1 AND status = 'RESERVED'`, [id]);
      if (rowCount) await client.query('UPDATE bench.products SET available = available + $2, reserved = reserved - $2 WHERE id = $1', [productId, quantity]);
    }), { name: 'release-inventory' });
  }
  await DBOS.runStep(() => one(`UPDATE bench.orders SET status = 'CANCELLED', failure_reason = $2 WHERE id = $1`, [id, reserved ? 'CARD_DECLINED' : 'OUT_OF_STOCK']), { name: 'cancel-order' });
  return 'CANCELLED';
}

const workflow = DBOS.registerWorkflow(placeOrder, { name: 'placeOrder' });

/** Launches DBOS on `url` (its system tables in the schema `dbos`), with `businessPool` for the steps. */
export async function launchDbos(url, businessPool, poolSize) {
  pool = businessPool;
  DBOS.setConfig({ name: 'saga-bench', systemDatabaseUrl: url, systemDatabasePoolSize: poolSize, logLevel: 'error' });
  await DBOS.launch();
}

export async function shutdownDbos() {
  await DBOS.shutdown();
}

/** Runs one order to its end through a durable workflow; resolves with its final status. */
export async function dbosSaga(order) {
  const { handle } = await startDbosOrder(order);
  return handle.getResult();
}

/**
 * Starts an order's workflow: resolves once DBOS has recorded it (its status row written), with
 * the order's id and the workflow's handle, while the steps run on (what its HTTP service,
 * bench/impl/service.mjs, waits for before it answers).
 */
export async function startDbosOrder({ productId, quantity, price }) {
  const id = randomUUID();
  const total = (Number(price) * 100 * quantity) / 100;
  return { id, handle: await DBOS.startWorkflow(workflow)(id, productId, quantity, total) };
}
