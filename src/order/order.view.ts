import type { Order, OrderStatus } from './order.entity.js';
import type { ShippingAddress } from '../shipping/shipping.messages.js';
import type { OrderItem } from './order-item.entity.js';

export interface OrderItemView {
  productId: string;
  quantity: number;
  price: string;
}

/** An order as both REST and gRPC answer it. */
export interface OrderView {
  id: string;
  status: OrderStatus;
  customerId: string;
  items: OrderItemView[];
  totalAmount: string;
  failureReason: string | null;
  /** Null when the order was placed without one. */
  shippingAddress: ShippingAddress | null;
  sagaId: string;
  createdAt: string;
  updatedAt: string;
}

export function toOrderView(order: Order, items: OrderItem[]): OrderView {
  return {
    id: order.id,
    status: order.status,
    customerId: order.customerId,
    items: [...items].sort((a, b) => a.line - b.line).map((i) => ({ productId: i.productId, quantity: i.quantity, price: i.unitPrice })),
    totalAmount: order.totalAmount,
    failureReason: order.failureReason,
    shippingAddress: order.shippingAddress ?? null,
    sagaId: order.sagaId,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
