// The straight-line baseline: the same saga written by hand in plain `pg`, one transaction per
// step, one outbox row per step (written with the step, marked done by the next), no framework.
import { randomUUID } from 'node:crypto';
import { DECLINE_ABOVE, tx } from './schema.mjs';

/** Runs one order to its end; resolves with its final status. */
export async function baselineSaga(pool, order) {
  return runBaselineOrder(pool, await placeBaselineOrder(pool, order));
}

/**
 * The first step alone: the PENDING order and its first outbox row, in one transaction (what its
 * HTTP service, bench/impl/service.mjs, writes before it answers). Resolves with what the rest needs.
 */
export async function placeBaselineOrder(pool, { productId, quantity, price }) {
  const id = randomUUID();
  const total = (Number(price) * 100 * quantity) / 100; // bench data: whole cents, exact in a double
  await tx(pool, async (c) => {
    await c.query(`INSERT INTO bench.orders (id, status, total) VALUES ($1, 'PENDING', $2)`, [id, total]);
    await c.query(`INSERT INTO bench.outbox (order_id, step) VALUES ($1, 'reserve')`, [id]);
  });
  return { id, productId, quantity, total };
}

/** The rest of a placed order's saga, step by step; resolves with its final status. */
export async function runBaselineOrder(pool, { id, productId, quantity, total }) {
  const reserved = await tx(pool, async (c) => {
    const { rows } = await c.query('SELECT available FROM bench.products WHERE id = $1 FOR UPDATE', [productId]);
    const ok = rows[0] && rows[0].available >= quantity;
    if (ok) {
      await c.query('UPDATE bench.products SET available = available - $2, reserved = reserved + $2 WHERE id = $1', [productId, quantity]);
      await c.query(`INSERT INTO bench.reservations (order_id, product_id, quantity, status) VALUES ($1, $2, $3, 'RESERVED')`, [id, productId, quantity]);
    }
    await c.query(`UPDATE bench.outbox SET processed_at = now() WHERE order_id = $1 AND step = 'reserve'`, [id]);
    await c.query(`INSERT INTO bench.outbox (order_id, step) VALUES ($1, $2)`, [id, ok ? 'pay' : 'cancel']);
    return ok;
  });
  const paid = reserved && (await tx(pool, async (c) => {
    const ok = total <= DECLINE_ABOVE;
    await c.query('INSERT INTO bench.payments (order_id, amount, status) VALUES ($1, $2, $3)', [id, total, ok ? 'CAPTURED' : 'DECLINED']);
    await c.query(`UPDATE bench.outbox SET processed_at = now() WHERE order_id = $1 AND step = 'pay'`, [id]);
    await c.query(`INSERT INTO bench.outbox (order_id, step) VALUES ($1, $2)`, [id, ok ? 'confirm' : 'compensate']);
    return ok;
  }));
  return tx(pool, async (c) => {
    if (paid) {
      await c.query(`UPDATE bench.orders SET status = 'CONFIRMED' WHERE id = $1`, [id]);
    } else {
      if (reserved) {
        await c.query('UPDATE bench.products SET available = available + $2, reserved = reserved - $2 WHERE id = $1', [productId, quantity]);
        await c.query(`UPDATE bench.reservations SET status = 'RELEASED' WHERE order_id = $1`, [id]);
      }
      await c.query(`UPDATE bench.orders SET status = 'CANCELLED', failure_reason = $2 WHERE id = $1`, [id, reserved ? 'CARD_DECLINED' : 'OUT_OF_STOCK']);
    }
    await c.query(`UPDATE bench.outbox SET processed_at = now() WHERE order_id = $1 AND processed_at IS NULL`, [id]);
    return paid ? 'CONFIRMED' : 'CANCELLED';
  });
}
