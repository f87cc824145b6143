import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Outbox } from '../messaging/outbox.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { SendNotification } from '../notification/notification.messages.js';
import { ORDER_CONSUMER } from './confirm-order.handler.js';
import { CancelOrder, OrderCancelled, OrderCancelledEvent } from './order.messages.js';
import { eventMeta, settleOrder } from './settle-order.js';

@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder, OrderCancelled> {
  constructor(
    private readonly participant: Participant,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Compensation of placing the order: the order stays, CANCELLED, with the reason, and its
   * customer is told. The notification is a command of its own in the outbox, not a step of the
   * saga (the saga ends with this compensation): delivered with the relay's retries, dead-lettered
   * if it keeps failing, and never a cause to undo anything.
   */
  execute(cmd: CancelOrder): Promise<OrderCancelled> {
    const { orderId, reason } = cmd.data;
    return this.participant.answer(ORDER_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      // Its event once, when this call ended the order (a repeated command ends nothing).
      const customerId = await settleOrder(tx, orderId, 'CANCELLED', reason);
      if (customerId !== null) {
        await this.outbox.add(tx, [
          new OrderCancelledEvent({ orderId, reason }, eventMeta(cmd)),
          new SendNotification({ orderId, customerId, kind: 'ORDER_CANCELLED', reason }, eventMeta(cmd)),
        ]);
      }
      return new OrderCancelled({ orderId, reason });
    });
  }
}
