import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import { Shipment } from './shipment.entity.js';

// Prepared statements: they run once or twice per saga.

const COLUMNS = 'id, order_id, status, reason, street, city, state, zip_code, country, lines, units, created_at, updated_at';
const FIND_FOR_UPDATE = statement(`SELECT ${COLUMNS} FROM shipping.shipments WHERE order_id = $1 FOR UPDATE`);
/** A second request for the order that raced this one waits for it here, then inserts nothing. */
const INSERT_ONCE = statement(`INSERT INTO shipping.shipments (id, order_id, status, reason, street, city, state, zip_code, country, lines, units)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
  ON CONFLICT (order_id) DO NOTHING RETURNING 1`);

type ShipmentRow = {
  id: string;
  order_id: string;
  status: Shipment['status'];
  reason: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  zip_code: string | null;
  country: string | null;
  lines: Shipment['lines'];
  units: number;
  created_at: Date;
  updated_at: Date;
};

/** The order's shipment, locked until the transaction ends; null if it has none yet. */
export async function findShipmentForUpdate(tx: EntityManager, orderId: string): Promise<Shipment | null> {
  const { rows } = await execute<ShipmentRow>(tx, FIND_FOR_UPDATE, [orderId]);
  if (rows.length === 0) return null;
  const [r] = rows;
  return Object.assign(new Shipment(), {
    id: r.id,
    orderId: r.order_id,
    status: r.status,
    reason: r.reason,
    street: r.street,
    city: r.city,
    state: r.state,
    zipCode: r.zip_code,
    country: r.country,
    lines: r.lines,
    units: r.units,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

type NewShipment = Pick<Shipment, 'id' | 'orderId' | 'status' | 'reason' | 'street' | 'city' | 'state' | 'zipCode' | 'country' | 'lines' | 'units'>;

/**
 * Inserts the order's shipment unless it has one, and returns the one it has, locked: a
 * concurrent request for the same order ends with the first one's row, not a unique violation.
 */
export async function insertShipmentOnce(tx: EntityManager, s: NewShipment): Promise<Shipment> {
  await execute(tx, INSERT_ONCE, [s.id, s.orderId, s.status, s.reason, s.street, s.city, s.state, s.zipCode, s.country, JSON.stringify(s.lines), s.units]);
  return (await findShipmentForUpdate(tx, s.orderId))!;
}
