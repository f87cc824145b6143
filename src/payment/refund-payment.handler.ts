import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { CardGateway } from './card-gateway.js';
import { voidHold } from './payment-holds.js';
import { findPaymentForUpdate, insertPayment, setPaymentStatus } from './payment.repository.js';
import { PaymentRefunded, RefundPayment } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

@CommandHandler(RefundPayment)
export class RefundPaymentHandler implements ICommandHandler<RefundPayment, PaymentRefunded> {
  constructor(
    private readonly participant: Participant,
    private readonly gateway: CardGateway,
  ) {}

  /**
   * Gives back whatever the order's payment holds, once: refunds a captured payment, voids an
   * authorised one (a later capture is refused). With nothing held it succeeds, leaving a
   * tombstone if there was no payment at all.
   */
  execute(cmd: RefundPayment): Promise<PaymentRefunded> {
    const { orderId } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const payment = await findPaymentForUpdate(tx, orderId);
      if (payment?.status === 'CAPTURED') await setPaymentStatus(tx, payment, 'REFUNDED');
      if (payment?.status === 'AUTHORIZED') await voidHold(tx, this.gateway, payment);
      if (!payment) {
        // The refund came before the charge (the charge timed out and may still arrive): leave a
        // tombstone, a declined zero payment, so the late charge (or authorisation) is refused.
        await insertPayment(tx, { id: randomUUID(), orderId, customerId: '', amount: '0.00', status: 'DECLINED', declineReason: 'REFUNDED_BEFORE_CHARGE' });
      }
      // Says whether the order's captured money is back, so a repeated refund answers the same;
      // a voided hold took no money, so it answers false (GetPayment says VOIDED).
      const refunded = payment?.status === 'CAPTURED' || payment?.status === 'REFUNDED';
      return new PaymentRefunded({ orderId, refunded });
    });
  }
}
