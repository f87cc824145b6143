import { Command, Event, IntegrationEvent, registerMessages } from '../messaging/message.js';

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

// Integration events: for systems outside, published to RabbitMQ when RABBITMQ_URL is set, once
// per order and transition. A published schema: fields are added, never renamed or removed.

/** An order was placed (PENDING): its saga runs. */
export class OrderCreatedEvent extends IntegrationEvent<{
  orderId: string;
  customerId: string;
  totalAmount: string;
  items: { productId: string; quantity: number; price: string }[];
}> {
  static readonly type = 'order.events.OrderCreated';
}

/** An order's saga completed: stock reserved, payment captured. */
export class OrderConfirmedEvent extends IntegrationEvent<{ orderId: string }> {
  static readonly type = 'order.events.OrderConfirmed';
}

/** An order's saga was undone; `reason` says why (e.g. CARD_DECLINED, OUT_OF_STOCK). */
export class OrderCancelledEvent extends IntegrationEvent<{ orderId: string; reason: string }> {
  static readonly type = 'order.events.OrderCancelled';
}

registerMessages(ConfirmOrder, OrderConfirmed, CancelOrder, OrderCancelled, OrderCreatedEvent, OrderConfirmedEvent, OrderCancelledEvent);
