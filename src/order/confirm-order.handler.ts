import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Outbox } from '../messaging/outbox.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { ConfirmOrder, OrderConfirmed, OrderConfirmedEvent } from './order.messages.js';
import { eventMeta, settleOrder } from './settle-order.js';

export const ORDER_CONSUMER = 'order';

@CommandHandler(ConfirmOrder)
export class ConfirmOrderHandler implements ICommandHandler<ConfirmOrder, OrderConfirmed> {
  constructor(
    private readonly participant: Participant,
    private readonly outbox: Outbox,
  ) {}

  execute(cmd: ConfirmOrder): Promise<OrderConfirmed> {
    const { orderId } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      // Its event once, when this call ended the order (a repeated command ends nothing).
      if ((await settleOrder(tx, orderId, 'CONFIRMED')) !== null) await this.outbox.add(tx, new OrderConfirmedEvent({ orderId }, eventMeta(cmd)));
      return new OrderConfirmed({ orderId });
    });
  }
}
