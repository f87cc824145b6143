import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { ORDER_CONSUMER } from './confirm-order.handler.js';
import { Order } from './order.entity.js';
import { CancelOrder, OrderCancelled } from './order.messages.js';

@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
  ) {}

  /** Compensation of placing the order: the order stays, CANCELLED, with the reason. */
  execute(cmd: CancelOrder): Promise<void> {
    const { orderId, reason } = cmd.data;
    return this.db.transaction(async (tx) => {
      if (!(await this.inbox.markApplied(tx, ORDER_CONSUMER, cmd))) return; // redelivered
      await tx.update(Order, { id: orderId, status: 'PENDING' }, { status: 'CANCELLED', failureReason: reason });
      await this.outbox.add(tx, new OrderCancelled({ orderId, reason }).causedBy(cmd));
    });
  }
}
