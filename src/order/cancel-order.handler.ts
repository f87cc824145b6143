import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Outbox } from '../messaging/outbox.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { ORDER_CONSUMER } from './confirm-order.handler.js';
import { CancelOrder, OrderCancelled, OrderCancelledEvent } from './order.messages.js';
import { eventMeta, settleOrder } from './settle-order.js';

@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder, OrderCancelled> {
  constructor(
    private readonly participant: Participant,
    private readonly outbox: Outbox,
  ) {}

  /** Compensation of placing the order: the order stays, CANCELLED, with the reason. */
  execute(cmd: CancelOrder): Promise<OrderCancelled> {
    const { orderId, reason } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      // Its event once, when this call ended the order (a repeated command ends nothing).
      if (await settleOrder(tx, orderId, 'CANCELLED', reason)) await this.outbox.add(tx, new OrderCancelledEvent({ orderId, reason }, eventMeta(cmd)));
      return new OrderCancelled({ orderId, reason });
    });
  }
}
