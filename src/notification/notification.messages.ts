import { Command, Event, registerMessages } from '../messaging/message.js';
import type { GrpcCall } from '../messaging/transport.js';

/** What a notification tells the customer; each is sent at most once per order. */
export const NOTIFICATION_KINDS = ['ORDER_CONFIRMED', 'ORDER_CANCELLED'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Tell a customer about their order; answered by NotificationSent. A sender that fails is a
 * technical failure (an exception, retried by the saga), never a business "no".
 * `reason`: why an order was cancelled, put in the message.
 */
export class SendNotification extends Command<{ orderId: string; customerId: string; kind: NotificationKind; reason?: string }> {
  static readonly type = 'notification.SendNotification';
  static readonly grpc: GrpcCall<SendNotification, object, { id: string }> = {
    service: 'notification.v1.NotificationService',
    method: 'SendNotification',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId, customerId: data.customerId, kind: data.kind, reason: data.reason ?? '' }),
    reply: (n, { data }) => new NotificationSent({ orderId: data.orderId, notificationId: n.id }),
  };
}

/** The notification was handed to the sender (now, or by an earlier command of the same order and kind). */
export class NotificationSent extends Event<{ orderId: string; notificationId: string }> {
  static readonly type = 'notification.NotificationSent';
}

export interface NotificationView {
  id: string;
  orderId: string;
  customerId: string;
  kind: NotificationKind;
  /** Where the sender delivered it: `log` for the default sender, e.g. `email` for another. */
  channel: string;
  subject: string;
  body: string;
  createdAt: string;
}

/** In-process query: an order's notifications, oldest first (none: an empty list). */
export class ListNotifications {
  constructor(readonly orderId: string) {}
}

registerMessages(SendNotification, NotificationSent);
