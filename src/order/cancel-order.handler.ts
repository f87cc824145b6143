import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Participant } from '../messaging/participant.js';
import { ORDER_CONSUMER } from './confirm-order.handler.js';
import { CancelOrder, OrderCancelled } from './order.messages.js';
import { settleOrder } from './settle-order.js';

@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder, OrderCancelled> {
  constructor(private readonly participant: Participant) {}

  /** Compensation of placing the order: the order stays, CANCELLED, with the reason. */
  execute(cmd: CancelOrder): Promise<OrderCancelled> {
    const { orderId, reason } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, async (tx) => {
      await settleOrder(tx, orderId, 'CANCELLED', reason);
      return new OrderCancelled({ orderId, reason });
    });
  }
}
