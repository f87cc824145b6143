import type { EntityManager } from 'typeorm';
import type { Message, MessageMeta } from '../messaging/message.js';
import { execute, statement } from '../database/prepared.js';

/** Ends a PENDING order: CONFIRMED, or CANCELLED with the reason. An order already ended stays as it is. */
const SETTLE_ORDER = statement(`UPDATE orders.orders SET status = $2, failure_reason = $3, updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING customer_id`);

/**
 * The one way an order leaves PENDING (its saga's last step or its compensation); repeating it
 * changes nothing. Returns the order's customer when this call ended it (so what follows, its
 * event and the customer's notification, is sent once), else null.
 */
export async function settleOrder(tx: EntityManager, orderId: string, status: 'CONFIRMED' | 'CANCELLED', reason: string | null = null): Promise<string | null> {
  const { rows } = await execute<{ customer_id: string }>(tx, SETTLE_ORDER, [orderId, status, reason]);
  return rows[0]?.customer_id ?? null;
}

/**
 * An order event's metadata: the saga's correlation and trace, caused by the saga's command, but
 * not addressed to the saga (`causedBy` would address it to the command's `replyTo`).
 */
export function eventMeta(cmd: Message): Partial<MessageMeta> {
  const { correlationId, messageId, traceparent } = cmd.meta;
  return { correlationId, causationId: messageId, ...(traceparent && { traceparent }) };
}
