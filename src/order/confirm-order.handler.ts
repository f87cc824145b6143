import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Participant } from '../messaging/participant.js';
import { ConfirmOrder, OrderConfirmed } from './order.messages.js';

export const ORDER_CONSUMER = 'order';

@CommandHandler(ConfirmOrder)
export class ConfirmOrderHandler implements ICommandHandler<ConfirmOrder, OrderConfirmed> {
  constructor(private readonly participant: Participant) {}

  execute(cmd: ConfirmOrder): Promise<OrderConfirmed> {
    const { orderId } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, async (tx) => {
      await tx.query(`UPDATE orders.orders SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [orderId]);
      return new OrderConfirmed({ orderId });
    });
  }
}
