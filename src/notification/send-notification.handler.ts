import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { NotificationSender } from './notification-sender.js';
import { notificationText } from './notification-text.js';
import { NotificationSent, SendNotification } from './notification.messages.js';
import { claimNotification, notificationIdOf } from './notification.repository.js';

export const NOTIFICATION_CONSUMER = 'notification';

@CommandHandler(SendNotification)
export class SendNotificationHandler implements ICommandHandler<SendNotification, NotificationSent> {
  constructor(
    private readonly participant: Participant,
    private readonly sender: NotificationSender,
  ) {}

  /**
   * Notifies a customer once per order and kind, whatever carries the request (a redelivery, a
   * saga's retry, a gRPC call with a key of its own): the row is claimed first, and only the
   * command that claimed it sends. The send runs before the commit, so a sender that throws
   * leaves no row and the command fails technically, to be retried; one that succeeded in a
   * transaction that then rolled back is asked again, with the same idempotency key.
   */
  execute(cmd: SendNotification): Promise<NotificationSent> {
    const { orderId, customerId, kind, reason } = cmd.data;
    return this.participant.answer(NOTIFICATION_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const outgoing = { id: randomUUID(), orderId, customerId, kind, ...notificationText(kind, orderId, reason), idempotencyKey: `${orderId}:${kind}` };
      if (!(await claimNotification(tx, { ...outgoing, channel: this.sender.channel }))) {
        return new NotificationSent({ orderId, notificationId: await notificationIdOf(tx, orderId, kind) }); // sent before
      }
      await this.sender.send(outgoing);
      return new NotificationSent({ orderId, notificationId: outgoing.id });
    });
  }
}
