import { Command, Event, registerMessages } from '../messaging/message.js';

/** The last step of a placed order: it cannot fail, only be retried. */
export class ConfirmOrder extends Command<{ orderId: string }> {
  static readonly type = 'order.ConfirmOrder';
}

export class OrderConfirmed extends Event<{ orderId: string }> {
  static readonly type = 'order.OrderConfirmed';
}

/** Undo of placing an order: it stays, CANCELLED, with the reason. */
export class CancelOrder extends Command<{ orderId: string; reason: string }> {
  static readonly type = 'order.CancelOrder';
}

export class OrderCancelled extends Event<{ orderId: string; reason: string }> {
  static readonly type = 'order.OrderCancelled';
}

registerMessages(ConfirmOrder, OrderConfirmed, CancelOrder, OrderCancelled);
