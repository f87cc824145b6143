import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { execute, statement } from '../database/prepared.js';
import { Participant } from '../messaging/participant.js';
import { ConfirmOrder, OrderConfirmed } from './order.messages.js';

const CONFIRM = statement(`UPDATE orders.orders SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 AND status = 'PENDING'`);

export const ORDER_CONSUMER = 'order';

@CommandHandler(ConfirmOrder)
export class ConfirmOrderHandler implements ICommandHandler<ConfirmOrder, OrderConfirmed> {
  constructor(private readonly participant: Participant) {}

  execute(cmd: ConfirmOrder): Promise<OrderConfirmed> {
    const { orderId } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, async (tx) => {
      await execute(tx, CONFIRM, [orderId]);
      return new OrderConfirmed({ orderId });
    });
  }
}
