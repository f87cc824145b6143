import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import type { StockLine } from './inventory.messages.js';
import { Product } from './product.entity.js';
import { Reservation } from './reservation.entity.js';

// Prepared statements: they run for every saga.
export const MOVE_STOCK = statement(`UPDATE inventory.products p
    SET available = p.available + $3 * l.quantity,
        reserved = p.reserved - $3 * l.quantity,
        updated_at = now()
   FROM unnest($1::text[], $2::int[]) AS l(product_id, quantity)
  WHERE p.id = ANY($1::text[]) AND p.id = l.product_id`);
/** Moves a shipped reservation's units from reserved to shipped: $1 / $2 product ids and quantities (merged). */
export const SHIP_STOCK = statement(`UPDATE inventory.products p
    SET reserved = p.reserved - l.quantity,
        shipped = p.shipped + l.quantity,
        updated_at = now()
   FROM unnest($1::text[], $2::int[]) AS l(product_id, quantity)
  WHERE p.id = ANY($1::text[]) AND p.id = l.product_id`);
const FIND_RESERVATION_FOR_UPDATE = statement('SELECT order_id, id, status, lines, reason FROM inventory.reservations WHERE order_id = $1 FOR UPDATE');
const INSERT_RESERVATION = statement('INSERT INTO inventory.reservations (order_id, id, status, lines, reason) VALUES ($1, $2, $3, $4::jsonb, $5)');

/**
 * An order's reservation, made once, in one statement. If the order has one already (a repeated
 * command, or the tombstone of a release that came first), that one. Else its products are locked
 * in id order (so concurrent reservations cannot deadlock) and either every line's stock moves
 * from available to reserved and the reservation is RESERVED, or, when a product is unknown or
 * short (the first in id order is named), nothing moves and it is REJECTED.
 * $1 order, $2 new reservation id, $3 / $4 product ids and quantities (merged), $5 the lines as JSON.
 */
export const RESERVE = statement(`WITH existing AS (
    SELECT order_id, id, status, lines, reason FROM inventory.reservations WHERE order_id = $1 FOR UPDATE),
  wanted AS (SELECT product_id, quantity, n FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS l(product_id, quantity, n)),
  locked AS MATERIALIZED (
    SELECT id, available FROM inventory.products
     WHERE id = ANY($3::text[]) AND NOT EXISTS (SELECT FROM existing)
     ORDER BY id FOR UPDATE),
  problem AS MATERIALIZED (
    SELECT CASE WHEN k.id IS NULL THEN 'UNKNOWN_PRODUCT:' ELSE 'OUT_OF_STOCK:' END || w.product_id AS reason
      FROM wanted w LEFT JOIN locked k ON k.id = w.product_id
     WHERE k.id IS NULL OR k.available < w.quantity
     ORDER BY w.n LIMIT 1),
  moved AS (
    UPDATE inventory.products p SET available = p.available - w.quantity, reserved = p.reserved + w.quantity, updated_at = now()
      FROM wanted w
     WHERE p.id = ANY($3::text[]) AND p.id = w.product_id AND NOT EXISTS (SELECT FROM existing) AND NOT EXISTS (SELECT FROM problem)),
  created AS (
    INSERT INTO inventory.reservations (order_id, id, status, lines, reason)
    SELECT $1, $2, CASE WHEN r.reason IS NULL THEN 'RESERVED' ELSE 'REJECTED' END, CASE WHEN r.reason IS NULL THEN $5::jsonb ELSE '[]'::jsonb END, r.reason
      FROM (SELECT (SELECT reason FROM problem) AS reason) r
     WHERE NOT EXISTS (SELECT FROM existing)
    RETURNING order_id, id, status, lines, reason)
SELECT order_id, id, status, lines, reason FROM existing
UNION ALL
SELECT order_id, id, status, lines, reason FROM created`);

/** Sums quantities per product and sorts by id, so concurrent reservations lock rows in one order (no deadlock). */
export function mergeLines(lines: StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of lines) totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Shifts quantities between available and reserved: direction -1 reserves, +1 releases.
 * One statement for all lines.
 */
export async function moveStock(tx: EntityManager, lines: StockLine[], direction: 1 | -1): Promise<void> {
  const merged = mergeLines(lines);
  await execute(tx, MOVE_STOCK, [merged.map((l) => l.productId), merged.map((l) => l.quantity), direction]);
}

/** Takes a reservation's units out of stock for good: reserved to shipped, one statement for all lines. */
export async function shipStock(tx: EntityManager, lines: StockLine[]): Promise<void> {
  const merged = mergeLines(lines);
  await execute(tx, SHIP_STOCK, [merged.map((l) => l.productId), merged.map((l) => l.quantity)]);
}

/** The order's reservation, locked until the transaction ends; null if it has none yet. */
export async function findReservationForUpdate(tx: EntityManager, orderId: string): Promise<Reservation | null> {
  const { rows } = await execute<ReservationRow>(tx, FIND_RESERVATION_FOR_UPDATE, [orderId]);
  return rows.length > 0 ? toReservation(rows[0]) : null;
}

/** Reserves every line's stock or none, once per order; returns the order's reservation (see RESERVE). */
export async function reserveOnce(tx: EntityManager, orderId: string, lines: StockLine[]): Promise<Reservation> {
  const merged = mergeLines(lines);
  const { rows } = await execute<ReservationRow>(tx, RESERVE, [orderId, randomUUID(), merged.map((l) => l.productId), merged.map((l) => l.quantity), JSON.stringify(lines)]);
  return toReservation(rows[0]);
}

type ReservationRow = { order_id: string; id: string; status: Reservation['status']; lines: StockLine[]; reason: string | null };

function toReservation(r: ReservationRow): Reservation {
  return Object.assign(new Reservation(), { orderId: r.order_id, id: r.id, status: r.status, lines: r.lines, reason: r.reason });
}

export async function insertReservation(tx: EntityManager, r: Pick<Reservation, 'orderId' | 'id' | 'status' | 'lines' | 'reason'>): Promise<void> {
  await execute(tx, INSERT_RESERVATION, [r.orderId, r.id, r.status, JSON.stringify(r.lines), r.reason]);
}

export async function insertProduct(tx: EntityManager, product: Pick<Product, 'id' | 'name' | 'price' | 'available'>): Promise<boolean> {
  const rows: unknown[] = await tx.query(
    `INSERT INTO inventory.products (id, name, price, available, stocked) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (id) DO NOTHING RETURNING 1`,
    [product.id, product.name, product.price, product.available],
  );
  return rows.length === 1;
}
