import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../messaging/fault-injector.js';
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
    private readonly faults: FaultInjector,
  ) {}

  /** Refunds a captured payment once; with nothing captured it succeeds, leaving a tombstone if there was no payment at all. */
  async execute(cmd: RefundPayment): Promise<PaymentRefunded> {
    await this.faults.inject(cmd); // off unless configured: a technical failure before any effect
    const { orderId } = cmd.data;
    return this.db.transaction(async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, PAYMENT_CONSUMER, cmd);
      const payment = await tx.findOne(Payment, { where: { orderId }, lock: { mode: 'pessimistic_write' } });
      if (payment?.status === 'CAPTURED') await tx.update(Payment, { id: payment.id }, { status: 'REFUNDED' });
      if (!payment) {
        // The refund came before the charge (the charge timed out and may still arrive): leave a
        // tombstone, a declined zero payment, so the late charge is refused.
        await tx.insert(Payment, { id: randomUUID(), orderId, customerId: '', amount: '0.00', status: 'DECLINED', declineReason: 'REFUNDED_BEFORE_CHARGE' });
      }
      // Says whether the order's money is back, so a repeated refund answers the same.
      const refunded = payment?.status === 'CAPTURED' || payment?.status === 'REFUNDED';
      const reply = new PaymentRefunded({ orderId, refunded }).causedBy(cmd);
      if (firstTime) await this.outbox.add(tx, reply);
      return reply;
    });
  }
}
