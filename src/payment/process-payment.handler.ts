import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { parseMoney } from '../common/money.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { CardGateway } from './card-gateway.js';
import { Payment } from './payment.entity.js';
import { captureHold } from './payment-holds.js';
import { findPaymentForUpdate, insertPayment } from './payment.repository.js';
import { PaymentCaptured, PaymentDeclined, ProcessPayment } from './payment.messages.js';

export const PAYMENT_CONSUMER = 'payment';

export type PaymentReply = PaymentCaptured | PaymentDeclined;

@CommandHandler(ProcessPayment)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPayment, PaymentReply> {
  constructor(
    private readonly participant: Participant,
    private readonly gateway: CardGateway,
  ) {}

  /**
   * Charges an order at most once: asked again, it answers with the first outcome. The payment
   * row guards every call after one that committed; the gateway's idempotency key guards a charge
   * whose transaction rolled back after it (a batch replayed row by row, a lost commit). The key
   * is the order id, not the command's message id: one order is charged once whatever carries
   * the request (a saga's retries reuse the message id anyway, but a gRPC caller's command has an
   * id of its own), as the one payment row per order says.
   *
   * An order already authorised (AuthorizePayment) is captured rather than charged again; one
   * whose hold was voided is declined, as its money was given back.
   */
  execute(cmd: ProcessPayment): Promise<PaymentReply> {
    const { orderId, customerId, amount } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      let payment = await findPaymentForUpdate(tx, orderId);
      if (!payment) {
        const charge = this.gateway.charge(`order:${orderId}`, parseMoney(amount));
        payment = Object.assign(new Payment(), {
          id: randomUUID(),
          orderId,
          customerId,
          amount,
          status: charge.approved ? 'CAPTURED' : 'DECLINED',
          declineReason: charge.approved ? null : charge.reason,
        });
        await insertPayment(tx, payment);
      } else if (payment.status === 'AUTHORIZED') {
        payment = await captureHold(tx, this.gateway, payment);
      }
      return replyFor(payment);
    });
  }
}

function replyFor(p: Payment): PaymentReply {
  if (p.status === 'DECLINED') return new PaymentDeclined({ orderId: p.orderId, paymentId: p.id, reason: p.declineReason ?? 'CARD_DECLINED' });
  if (p.status === 'VOIDED') return new PaymentDeclined({ orderId: p.orderId, paymentId: p.id, reason: 'VOIDED' });
  // A REFUNDED payment was captured first: the charge itself succeeded.
  return new PaymentCaptured({ orderId: p.orderId, paymentId: p.id, amount: p.amount });
}
