import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { Payment } from './payment.entity.js';
import { PaymentRefunded, RefundPayment } from './payment.messages.js';
import { PAYMENT_CONSUMER } from './process-payment.handler.js';

@CommandHandler(RefundPayment)
export class RefundPaymentHandler implements ICommandHandler<RefundPayment, PaymentRefunded> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
  ) {}

  /** Refunds a captured payment once; with nothing captured it succeeds and changes nothing. */
  execute(cmd: RefundPayment): Promise<PaymentRefunded> {
    const { orderId } = cmd.data;
    return this.db.transaction(async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, PAYMENT_CONSUMER, cmd);
      const payment = await tx.findOne(Payment, { where: { orderId }, lock: { mode: 'pessimistic_write' } });
      if (payment?.status === 'CAPTURED') await tx.update(Payment, { id: payment.id }, { status: 'REFUNDED' });
      // Says whether the order's money is back, so a repeated refund answers the same.
      const refunded = payment?.status === 'CAPTURED' || payment?.status === 'REFUNDED';
      const reply = new PaymentRefunded({ orderId, refunded }).causedBy(cmd);
      if (firstTime) await this.outbox.add(tx, reply);
      return reply;
    });
  }
}
