import type { NotificationKind } from './notification.messages.js';

/** The subject and body a customer reads for each kind of notification. */
export function notificationText(kind: NotificationKind, orderId: string, reason?: string): { subject: string; body: string } {
  switch (kind) {
    case 'ORDER_CONFIRMED':
      return { subject: 'Your order is confirmed', body: `Your order ${orderId} is confirmed: it has been paid and its items are set aside for you.` };
    case 'ORDER_CANCELLED':
      return { subject: 'Your order was cancelled', body: `Your order ${orderId} was cancelled${reason ? ` (${reason})` : ''}. Nothing was charged, or the charge was refunded.` };
  }
}
