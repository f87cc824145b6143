import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import type { StockLine } from './inventory.messages.js';
import { Product } from './product.entity.js';
import { Reservation } from './reservation.entity.js';

// Prepared statements: they run for every saga.
const LOCK_PRODUCTS = statement('SELECT id, available FROM inventory.products WHERE id = ANY($1) ORDER BY id FOR UPDATE');
const MOVE_STOCK = statement(`UPDATE inventory.products p
    SET available = p.available + $3 * l.quantity,
        reserved = p.reserved - $3 * l.quantity,
        updated_at = now()
   FROM unnest($1::text[], $2::int[]) AS l(product_id, quantity)
  WHERE p.id = l.product_id`);
const FIND_RESERVATION_FOR_UPDATE = statement('SELECT order_id, id, status, lines, reason FROM inventory.reservations WHERE order_id = $1 FOR UPDATE');
const INSERT_RESERVATION = statement('INSERT INTO inventory.reservations (order_id, id, status, lines, reason) VALUES ($1, $2, $3, $4::jsonb, $5)');

export type ReserveResult = { ok: true } | { ok: false; reason: 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT'; productId: string };

/** Sums quantities per product and sorts by id, so concurrent reservations lock rows in one order (no deadlock). */
export function mergeLines(lines: StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of lines) totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
}

/** Moves stock from available to reserved for every line, or for none. */
export async function reserveStock(tx: EntityManager, lines: StockLine[]): Promise<ReserveResult> {
  const merged = mergeLines(lines);
  const ids = merged.map((l) => l.productId);
  const { rows } = await execute<{ id: string; available: number }>(tx, LOCK_PRODUCTS, [ids]);
  const available = new Map(rows.map((r) => [r.id, r.available]));
  for (const { productId, quantity } of merged) {
    if (!available.has(productId)) return { ok: false, reason: 'UNKNOWN_PRODUCT', productId };
    if (available.get(productId)! < quantity) return { ok: false, reason: 'OUT_OF_STOCK', productId };
  }
  await moveStock(tx, merged, -1);
  return { ok: true };
}

/**
 * Shifts quantities between available and reserved: direction -1 reserves, +1 releases.
 * One statement for all lines.
 */
export async function moveStock(tx: EntityManager, lines: StockLine[], direction: 1 | -1): Promise<void> {
  const merged = mergeLines(lines);
  await execute(tx, MOVE_STOCK, [merged.map((l) => l.productId), merged.map((l) => l.quantity), direction]);
}

/** The order's reservation, locked until the transaction ends; null if it has none yet. */
export async function findReservationForUpdate(tx: EntityManager, orderId: string): Promise<Reservation | null> {
  const { rows } = await execute(tx, FIND_RESERVATION_FOR_UPDATE, [orderId]);
  if (rows.length === 0) return null;
  const [r] = rows;
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
