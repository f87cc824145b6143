import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { Payment } from './payment.entity.js';
import { findPaymentForUpdate, insertPayment } from './payment.repository.js';
import { PaymentRefunded, RefundPayment } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

@CommandHandler(RefundPayment)
export class RefundPaymentHandler implements ICommandHandler<RefundPayment, PaymentRefunded> {
  constructor(private readonly participant: Participant) {}

  /** Refunds a captured payment once; with nothing captured it succeeds, leaving a tombstone if there was no payment at all. */
  execute(cmd: RefundPayment): Promise<PaymentRefunded> {
    const { orderId } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const payment = await findPaymentForUpdate(tx, orderId);
      if (payment?.status === 'CAPTURED') await tx.update(Payment, { id: payment.id }, { status: 'REFUNDED' });
      if (!payment) {
        // The refund came before the charge (the charge timed out and may still arrive): leave a
        // tombstone, a declined zero payment, so the late charge is refused.
        await insertPayment(tx, { id: randomUUID(), orderId, customerId: '', amount: '0.00', status: 'DECLINED', declineReason: 'REFUNDED_BEFORE_CHARGE' });
      }
      // Says whether the order's money is back, so a repeated refund answers the same.
      const refunded = payment?.status === 'CAPTURED' || payment?.status === 'REFUNDED';
      return new PaymentRefunded({ orderId, refunded });
    });
  }
}
