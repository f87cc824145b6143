import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { parseMoney } from '../common/money.js';
import { FaultInjector } from '../messaging/fault-injector.js';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { CardGateway } from './card-gateway.js';
import { Payment } from './payment.entity.js';
import { PaymentCaptured, PaymentDeclined, ProcessPayment } from './payment.messages.js';

export const PAYMENT_CONSUMER = 'payment';

export type PaymentReply = PaymentCaptured | PaymentDeclined;

@CommandHandler(ProcessPayment)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPayment, PaymentReply> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly faults: FaultInjector,
    private readonly gateway: CardGateway,
  ) {}

  /** Charges an order at most once: asked again, it answers with the first outcome. */
  async execute(cmd: ProcessPayment): Promise<PaymentReply> {
    await this.faults.inject(cmd); // off unless configured: a technical failure before any effect
    const { orderId, customerId, amount } = cmd.data;
    return this.db.transaction(async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, PAYMENT_CONSUMER, cmd);
      let payment = await tx.findOne(Payment, { where: { orderId }, lock: { mode: 'pessimistic_write' } });
      if (!payment) {
        const charge = this.gateway.charge(parseMoney(amount));
        payment = tx.create(Payment, {
          id: randomUUID(),
          orderId,
          customerId,
          amount,
          status: charge.approved ? 'CAPTURED' : 'DECLINED',
          declineReason: charge.approved ? null : charge.reason,
        });
        await tx.insert(Payment, payment);
      }
      const reply = replyFor(payment).causedBy(cmd);
      if (firstTime) await this.outbox.add(tx, reply); // a redelivery's reply is in the outbox already
      return reply;
    });
  }
}

function replyFor(p: Payment): PaymentReply {
  if (p.status === 'DECLINED') return new PaymentDeclined({ orderId: p.orderId, paymentId: p.id, reason: p.declineReason ?? 'CARD_DECLINED' });
  // A REFUNDED payment was captured first: the charge itself succeeded.
  return new PaymentCaptured({ orderId: p.orderId, paymentId: p.id, amount: p.amount });
}
