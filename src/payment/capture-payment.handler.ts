import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { CardGateway } from './card-gateway.js';
import type { Payment } from './payment.entity.js';
import { captureHold } from './payment-holds.js';
import { findPaymentForUpdate } from './payment.repository.js';
import { CapturePayment, PaymentCaptured, PaymentCaptureRefused } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

export type CaptureReply = PaymentCaptured | PaymentCaptureRefused;

@CommandHandler(CapturePayment)
export class CapturePaymentHandler implements ICommandHandler<CapturePayment, CaptureReply> {
  constructor(
    private readonly participant: Participant,
    private readonly gateway: CardGateway,
  ) {}

  /**
   * Takes the money an authorisation held, once: asked again, it answers PaymentCaptured again.
   * With no money held it is a business "no", PaymentCaptureRefused, changing nothing: the
   * authorisation was declined, or its hold was voided (a refund came first), or there is no
   * authorisation for the order. Not an error: retrying would never make it succeed, while a
   * saga can act on the answer (give back whatever is held and cancel).
   */
  execute(cmd: CapturePayment): Promise<CaptureReply> {
    const { orderId } = cmd.data;
    return this.participant.answer(PAYMENT_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      let payment = await findPaymentForUpdate(tx, orderId);
      if (payment?.status === 'AUTHORIZED') payment = await captureHold(tx, this.gateway, payment);
      return replyFor(orderId, payment);
    });
  }
}

function replyFor(orderId: string, p: Payment | null): CaptureReply {
  if (!p) return new PaymentCaptureRefused({ orderId, reason: 'NOT_AUTHORIZED' });
  if (p.status === 'DECLINED' || p.status === 'VOIDED') return new PaymentCaptureRefused({ orderId, reason: p.status });
  // CAPTURED, or REFUNDED since: the capture itself succeeded.
  return new PaymentCaptured({ orderId, paymentId: p.id, amount: p.amount });
}
