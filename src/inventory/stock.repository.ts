import type { EntityManager } from 'typeorm';
import type { StockLine } from './inventory.messages.js';
import { Product } from './product.entity.js';
import { Reservation } from './reservation.entity.js';

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
  const rows: { id: string; available: number }[] = await tx.query(
    'SELECT id, available FROM inventory.products WHERE id = ANY($1) ORDER BY id FOR UPDATE',
    [ids],
  );
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
  await tx.query(
    `UPDATE inventory.products p
        SET available = p.available + $3 * l.quantity,
            reserved = p.reserved - $3 * l.quantity,
            updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS l(product_id, quantity)
      WHERE p.id = l.product_id`,
    [merged.map((l) => l.productId), merged.map((l) => l.quantity), direction],
  );
}

// The reservation's reads and writes are plain SQL: they run for every saga.

/** The order's reservation, locked until the transaction ends; null if it has none yet. */
export async function findReservationForUpdate(tx: EntityManager, orderId: string): Promise<Reservation | null> {
  const rows: Record<string, unknown>[] = await tx.query('SELECT order_id, id, status, lines, reason FROM inventory.reservations WHERE order_id = $1 FOR UPDATE', [
    orderId,
  ]);
  if (rows.length === 0) return null;
  const [r] = rows;
  return Object.assign(new Reservation(), { orderId: r.order_id, id: r.id, status: r.status, lines: r.lines, reason: r.reason });
}

export async function insertReservation(tx: EntityManager, r: Pick<Reservation, 'orderId' | 'id' | 'status' | 'lines' | 'reason'>): Promise<void> {
  await tx.query('INSERT INTO inventory.reservations (order_id, id, status, lines, reason) VALUES ($1, $2, $3, $4::jsonb, $5)', [
    r.orderId,
    r.id,
    r.status,
    JSON.stringify(r.lines),
    r.reason,
  ]);
}

export async function insertProduct(tx: EntityManager, product: Pick<Product, 'id' | 'name' | 'price' | 'available'>): Promise<boolean> {
  const rows: unknown[] = await tx.query(
    `INSERT INTO inventory.products (id, name, price, available, stocked) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (id) DO NOTHING RETURNING 1`,
    [product.id, product.name, product.price, product.available],
  );
  return rows.length === 1;
}
