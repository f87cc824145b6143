import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import { Payment } from './payment.entity.js';
import type { PaymentStatus } from './payment.messages.js';

// Prepared statements: these run once or twice per saga, on the hot path.

const FIND_FOR_UPDATE = statement('SELECT id, order_id, customer_id, amount, status, decline_reason FROM payment.payments WHERE order_id = $1 FOR UPDATE');
const INSERT = statement('INSERT INTO payment.payments (id, order_id, customer_id, amount, status, decline_reason) VALUES ($1, $2, $3, $4, $5, $6)');
const SET_STATUS = statement('UPDATE payment.payments SET status = $2, updated_at = now() WHERE id = $1');

/** The order's payment, locked until the transaction ends; null if it has none yet. */
export async function findPaymentForUpdate(tx: EntityManager, orderId: string): Promise<Payment | null> {
  const { rows } = await execute(tx, FIND_FOR_UPDATE, [orderId]);
  if (rows.length === 0) return null;
  const [r] = rows;
  return Object.assign(new Payment(), {
    id: r.id,
    orderId: r.order_id,
    customerId: r.customer_id,
    amount: r.amount,
    status: r.status,
    declineReason: r.decline_reason,
  });
}

export async function insertPayment(tx: EntityManager, p: Pick<Payment, 'id' | 'orderId' | 'customerId' | 'amount' | 'status' | 'declineReason'>): Promise<void> {
  await execute(tx, INSERT, [p.id, p.orderId, p.customerId, p.amount, p.status, p.declineReason]);
}

/** Moves a payment (locked by `findPaymentForUpdate`) to `status`; returns it as it now is. */
export async function setPaymentStatus(tx: EntityManager, payment: Payment, status: PaymentStatus): Promise<Payment> {
  await execute(tx, SET_STATUS, [payment.id, status]);
  return Object.assign(new Payment(), payment, { status });
}
