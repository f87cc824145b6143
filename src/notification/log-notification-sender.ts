import { Injectable, Logger } from '@nestjs/common';
import { NotificationSender, type OutgoingNotification } from './notification-sender.js';

/** The default sender: writes each notification to the log, a line a person or a log shipper can pick up. */
@Injectable()
export class LogNotificationSender extends NotificationSender {
  readonly channel = 'log';
  private readonly logger = new Logger(LogNotificationSender.name);

  send(n: OutgoingNotification): Promise<void> {
    this.logger.log({ msg: 'notification sent', notificationId: n.id, orderId: n.orderId, customerId: n.customerId, kind: n.kind, subject: n.subject, body: n.body });
    return Promise.resolve();
  }
}
