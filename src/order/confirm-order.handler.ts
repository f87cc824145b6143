import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { Order } from './order.entity.js';
import { ConfirmOrder, OrderConfirmed } from './order.messages.js';

export const ORDER_CONSUMER = 'order';

@CommandHandler(ConfirmOrder)
export class ConfirmOrderHandler implements ICommandHandler<ConfirmOrder> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
  ) {}

  execute(cmd: ConfirmOrder): Promise<void> {
    return this.db.transaction(async (tx) => {
      if (!(await this.inbox.markApplied(tx, ORDER_CONSUMER, cmd))) return; // redelivered
      await tx.update(Order, { id: cmd.data.orderId, status: 'PENDING' }, { status: 'CONFIRMED' });
      await this.outbox.add(tx, new OrderConfirmed({ orderId: cmd.data.orderId }).causedBy(cmd));
    });
  }
}
