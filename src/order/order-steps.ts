import { InventoryRejected, InventoryReserved, ReleaseInventory, ReservationShipped, ReserveInventory, ShipReservation, type StockLine } from '../inventory/inventory.messages.js';
import { NotificationSent, SendNotification } from '../notification/notification.messages.js';
import { AuthorizePayment, PaymentAuthorized, PaymentDeclined, RefundPayment } from '../payment/payment.messages.js';
import { fail, type SagaStep } from '../saga/engine/saga-definition.js';
import { CancelShipment, CreateShipment, ShipmentCreated, ShipmentRejected, type ShippingAddress } from '../shipping/shipping.messages.js';
import { CancelOrder, ConfirmOrder, OrderConfirmed } from './order.messages.js';

/** What the order sagas carry: the order as placed, then what each participant answered. */
export interface PlaceOrderData {
  orderId: string;
  customerId: string;
  lines: StockLine[];
  totalAmount: string;
  /** Where the order goes, when it was placed with an address. */
  shippingAddress?: ShippingAddress;
  reservationId?: string;
  paymentId?: string;
  shipmentId?: string;
}

type OrderStep = SagaStep<PlaceOrderData>;

/*
 * The steps the order sagas (place-order, verified-order) share, each declared once; a saga puts
 * them in its own order and adds what differs (a parallel group, a condition).
 */

/** The order row is written by the transaction that starts the saga; undoing it cancels it. */
export const createOrder: OrderStep = {
  name: 'create-order',
  compensate: (d, reason) => new CancelOrder({ orderId: d.orderId, reason }),
};

export const reserveInventory: OrderStep = {
  name: 'reserve-inventory',
  invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
  compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
  onReply: {
    [InventoryReserved.type]: (d, r) => ({ ...d, reservationId: (r as InventoryReserved).data.reservationId }),
    [InventoryRejected.type]: fail((_, r) => (r as InventoryRejected).data.reason),
  },
};

export const authorizePayment: OrderStep = {
  name: 'authorize-payment',
  invoke: (d) => new AuthorizePayment({ orderId: d.orderId, customerId: d.customerId, amount: d.totalAmount }),
  // Gives back whatever is held: voids the hold, or refunds a capture.
  compensate: (d) => new RefundPayment({ orderId: d.orderId }),
  onReply: {
    [PaymentAuthorized.type]: (d, r) => ({ ...d, paymentId: (r as PaymentAuthorized).data.paymentId }),
    [PaymentDeclined.type]: fail((_, r) => (r as PaymentDeclined).data.reason),
  },
};

export const createShipment: OrderStep = {
  name: 'create-shipment',
  invoke: (d) => new CreateShipment({ orderId: d.orderId, address: d.shippingAddress, lines: d.lines }),
  compensate: (d) => new CancelShipment({ orderId: d.orderId }),
  onReply: {
    [ShipmentCreated.type]: (d, r) => ({ ...d, shipmentId: (r as ShipmentCreated).data.shipmentId }),
    [ShipmentRejected.type]: fail((_, r) => (r as ShipmentRejected).data.reason),
  },
};

/** The reserved units leave stock for good; no compensation, so it is retried until it succeeds. */
export const shipInventory: OrderStep = {
  name: 'ship-inventory',
  invoke: (d) => new ShipReservation({ orderId: d.orderId }),
  onReply: { [ReservationShipped.type]: (d) => d },
};

/** Confirming cannot fail: retried until it succeeds, never compensated. */
export const confirmOrder: OrderStep = {
  name: 'confirm-order',
  invoke: (d) => new ConfirmOrder({ orderId: d.orderId }),
  onReply: { [OrderConfirmed.type]: (d) => d },
};

/** Telling the customer must never undo a confirmed order: not critical. */
export const notifyCustomer: OrderStep = {
  name: 'notify-customer',
  critical: false,
  invoke: (d) => new SendNotification({ orderId: d.orderId, customerId: d.customerId, kind: 'ORDER_CONFIRMED' }),
  onReply: { [NotificationSent.type]: (d) => d },
};
