import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Participant } from '../messaging/participant.js';
import { ConfirmOrder, OrderConfirmed } from './order.messages.js';
import { settleOrder } from './settle-order.js';

export const ORDER_CONSUMER = 'order';

@CommandHandler(ConfirmOrder)
export class ConfirmOrderHandler implements ICommandHandler<ConfirmOrder, OrderConfirmed> {
  constructor(private readonly participant: Participant) {}

  execute(cmd: ConfirmOrder): Promise<OrderConfirmed> {
    const { orderId } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, async (tx) => {
      await settleOrder(tx, orderId, 'CONFIRMED');
      return new OrderConfirmed({ orderId });
    });
  }
}
