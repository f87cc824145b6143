import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { parseMoney } from '../common/money.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { CardGateway } from './card-gateway.js';
import { Payment } from './payment.entity.js';
import { findPaymentForUpdate, insertPayment } from './payment.repository.js';
import { AuthorizePayment, PaymentAuthorized, PaymentDeclined } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

export type AuthorizeReply = PaymentAuthorized | PaymentDeclined;

@CommandHandler(AuthorizePayment)
export class AuthorizePaymentHandler implements ICommandHandler<AuthorizePayment, AuthorizeReply> {
  constructor(
    private readonly participant: Participant,
    private readonly gateway: CardGateway,
  ) {}

  /**
   * Holds an order's total on the card at most once: asked again, it answers with the first
   * outcome, as a charge does (the payment row for what committed, the gateway's key, the order
   * id, for a hold whose transaction rolled back). A refund that came first left a declined
   * tombstone, so this late authorisation is declined and holds nothing.
   */
  execute(cmd: AuthorizePayment): Promise<AuthorizeReply> {
    const { orderId, customerId, amount } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      let payment = await findPaymentForUpdate(tx, orderId);
      if (!payment) {
        const hold = this.gateway.authorize(`authorize:order:${orderId}`, orderId, parseMoney(amount));
        payment = Object.assign(new Payment(), {
          id: randomUUID(),
          orderId,
          customerId,
          amount,
          status: hold.approved ? 'AUTHORIZED' : 'DECLINED',
          declineReason: hold.approved ? null : hold.reason,
        });
        await insertPayment(tx, payment);
      }
      return replyFor(payment);
    });
  }
}

function replyFor(p: Payment): AuthorizeReply {
  if (p.status === 'DECLINED') return new PaymentDeclined({ orderId: p.orderId, paymentId: p.id, reason: p.declineReason ?? 'CARD_DECLINED' });
  // CAPTURED, VOIDED or REFUNDED since: the authorisation itself succeeded.
  return new PaymentAuthorized({ orderId: p.orderId, paymentId: p.id, amount: p.amount });
}
