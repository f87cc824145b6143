import type { EntityManager } from 'typeorm';
import type { CardGateway, HoldResult } from './card-gateway.js';
import type { Payment } from './payment.entity.js';
import { setPaymentStatus } from './payment.repository.js';

// Moving an AUTHORIZED payment on, at the gateway and in its row, in the caller's transaction.
// The gateway keys are the order's, as for a charge: one order's hold is captured or voided once
// whatever carries the request, and a call whose transaction rolled back is answered from the key
// when the work runs again.

/** Takes the money held for `payment` (AUTHORIZED, locked): CAPTURED. */
export async function captureHold(tx: EntityManager, gateway: CardGateway, payment: Payment): Promise<Payment> {
  expectOk(gateway.capture(`capture:order:${payment.orderId}`, payment.orderId), 'capture', payment);
  return setPaymentStatus(tx, payment, 'CAPTURED');
}

/** Gives back the money held for `payment` (AUTHORIZED, locked): VOIDED. */
export async function voidHold(tx: EntityManager, gateway: CardGateway, payment: Payment): Promise<Payment> {
  expectOk(gateway.void(`void:order:${payment.orderId}`, payment.orderId), 'void', payment);
  return setPaymentStatus(tx, payment, 'VOIDED');
}

/**
 * The row says the money is held, so the gateway refusing to move it means the two disagree:
 * a technical error (retried, then a dead letter for a person), never a business answer.
 */
function expectOk(result: HoldResult, what: string, payment: Payment): void {
  if (!result.ok) throw new Error(`card gateway refused to ${what} the hold of order ${payment.orderId}: ${result.reason}`);
}
