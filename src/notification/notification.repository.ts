import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import type { Notification } from './notification.entity.js';
import type { NotificationKind } from './notification.messages.js';

// Prepared statements: run once per notification, on the saga's path.

// Claims the order's notification of this kind: the unique key makes a second insert of the same
// (order, kind) wait for the first transaction, then do nothing once it committed. No row back:
// it was sent before (or a concurrent send holds it and this one waits, then finds it).
const CLAIM = statement(`
  INSERT INTO notification.notifications (id, order_id, customer_id, kind, channel, subject, body)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (order_id, kind) DO NOTHING
  RETURNING id`);
const FIND = statement('SELECT id FROM notification.notifications WHERE order_id = $1 AND kind = $2');

/** Inserts `n` unless its order already has a notification of its kind; whether it was inserted. */
export async function claimNotification(tx: EntityManager, n: Pick<Notification, 'id' | 'orderId' | 'customerId' | 'kind' | 'channel' | 'subject' | 'body'>): Promise<boolean> {
  const { rows } = await execute(tx, CLAIM, [n.id, n.orderId, n.customerId, n.kind, n.channel, n.subject, n.body]);
  return rows.length === 1;
}

/** The id of the order's notification of `kind` (one exists once `claimNotification` returned false). */
export async function notificationIdOf(tx: EntityManager, orderId: string, kind: NotificationKind): Promise<string> {
  const { rows } = await execute(tx, FIND, [orderId, kind]);
  return rows[0].id as string;
}
