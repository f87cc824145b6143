import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';

/** Ends a PENDING order: CONFIRMED, or CANCELLED with the reason. An order already ended stays as it is. */
const SETTLE_ORDER = statement(`UPDATE orders.orders SET status = $2, failure_reason = $3, updated_at = now() WHERE id = $1 AND status = 'PENDING'`);

/** The one way an order leaves PENDING (its saga's last step or its compensation); repeating it changes nothing. */
export async function settleOrder(tx: EntityManager, orderId: string, status: 'CONFIRMED' | 'CANCELLED', reason: string | null = null): Promise<void> {
  await execute(tx, SETTLE_ORDER, [orderId, status, reason]);
}
