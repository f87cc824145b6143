import { expect } from '@jest/globals';
import type pg from 'pg';
import { checkConsistency } from '../../src/verify/consistency-check.js';

/**
 * The invariants every scenario must leave behind: the outbox fully delivered, stock
 * conserved per product (available + reserved + shipped equals the initial stock), and exactly one
 * captured payment per confirmed order, none for a cancelled one.
 */
export async function expectBalanced(sql: pg.Pool, initialStock: Record<string, number>): Promise<void> {
  const { rows: pending } = await sql.query('SELECT type, consumer, last_error FROM messaging.outbox WHERE processed_at IS NULL');
  expect(pending).toEqual([]);
  const { rows: stock } = await sql.query('SELECT id, available + reserved + shipped AS total FROM inventory.products WHERE id = ANY($1)', [Object.keys(initialStock)]);
  expect(Object.fromEntries(stock.map((r: { id: string; total: number }) => [r.id, r.total]))).toEqual(initialStock);
  const { rows: orders } = await sql.query(
    `SELECT o.id, o.status,
            count(p.*) FILTER (WHERE p.status = 'CAPTURED')::int AS captured
       FROM orders.orders o LEFT JOIN payment.payments p ON p.order_id = o.id::text
      GROUP BY o.id, o.status`,
  );
  for (const o of orders as { id: string; status: string; captured: number }[]) {
    if (o.status === 'CONFIRMED') expect({ id: o.id, captured: o.captured }).toEqual({ id: o.id, captured: 1 });
    if (o.status === 'CANCELLED') expect({ id: o.id, captured: o.captured }).toEqual({ id: o.id, captured: 0 });
  }
  // Every reserved unit belongs to a live reservation.
  const { rows: held } = await sql.query(
    `SELECT p.id, p.reserved, coalesce(sum((l->>'quantity')::int), 0)::int AS held
       FROM inventory.products p
       LEFT JOIN inventory.reservations r ON r.status = 'RESERVED'
       LEFT JOIN LATERAL jsonb_array_elements(r.lines) l ON l->>'productId' = p.id
      WHERE p.id = ANY($1) GROUP BY p.id, p.reserved`,
    [Object.keys(initialStock)],
  );
  for (const h of held as { id: string; reserved: number; held: number }[]) expect(h.reserved).toBe(h.held);
  // And the consistency checker (`npm run verify`) finds nothing broken.
  expect(await checkConsistency(sql, 5_000)).toEqual([]);
}
