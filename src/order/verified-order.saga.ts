import {
  InventoryRejected,
  InventoryReserved,
  ReleaseInventory,
  ReservationNotVerified,
  ReservationShipped,
  ReservationVerified,
  ReserveInventory,
  ShipReservation,
  VerifyReservation,
} from '../inventory/inventory.messages.js';
import { NotificationSent, SendNotification } from '../notification/notification.messages.js';
import {
  AuthorizationNotVerified,
  AuthorizationVerified,
  AuthorizePayment,
  CapturePayment,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentCaptureRefused,
  PaymentDeclined,
  RefundPayment,
  VerifyAuthorization,
} from '../payment/payment.messages.js';
import { defineSaga, fail } from '../saga/engine/saga-definition.js';
import { CancelShipment, CreateShipment, ShipmentCreated, ShipmentRejected } from '../shipping/shipping.messages.js';
import { VerifiedOrderDto } from './dto/verified-order.dto.js';
import { CancelOrder, ConfirmOrder, OrderConfirmed } from './order.messages.js';
import type { PlaceOrderData } from './place-order.saga.js';

export interface VerifiedOrderData extends PlaceOrderData {
  shipmentId?: string;
}

/**
 * A large (B2B) order, verified before anything is committed: execute (every service holds its
 * part at once), verify (each holder confirms its part is still good), approve (take the money,
 * ship, confirm: the point of no return), then tell the customer. Any "no" or failure before
 * approval gives everything back, newest first.
 */
export const verifiedOrderSaga = defineSaga<VerifiedOrderData>({
  type: 'verified-order',
  // Started over the saga API only, with an order whose address is required (verified-order.starter.ts).
  payload: VerifiedOrderDto,
  steps: [
    // The order row is written by the transaction that starts the saga; undoing it cancels it.
    {
      name: 'create-order',
      compensate: (d, reason) => new CancelOrder({ orderId: d.orderId, reason }),
    },
    // Execute: the three holds are independent, so they are asked at once; each can be given back.
    {
      name: 'reserve-inventory',
      parallel: 'execute',
      invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
      compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
      onReply: {
        [InventoryReserved.type]: (d, r) => ({ ...d, reservationId: (r as InventoryReserved).data.reservationId }),
        [InventoryRejected.type]: fail((_, r) => (r as InventoryRejected).data.reason),
      },
    },
    {
      name: 'authorize-payment',
      parallel: 'execute',
      invoke: (d) => new AuthorizePayment({ orderId: d.orderId, customerId: d.customerId, amount: d.totalAmount }),
      compensate: (d) => new RefundPayment({ orderId: d.orderId }), // voids the hold: no money was taken
      onReply: {
        [PaymentAuthorized.type]: (d, r) => ({ ...d, paymentId: (r as PaymentAuthorized).data.paymentId }),
        [PaymentDeclined.type]: fail((_, r) => (r as PaymentDeclined).data.reason),
      },
    },
    {
      name: 'create-shipment',
      parallel: 'execute',
      invoke: (d) => new CreateShipment({ orderId: d.orderId, address: d.shippingAddress, lines: d.lines }),
      compensate: (d) => new CancelShipment({ orderId: d.orderId }),
      onReply: {
        [ShipmentCreated.type]: (d, r) => ({ ...d, shipmentId: (r as ShipmentCreated).data.shipmentId }),
        [ShipmentRejected.type]: fail((_, r) => (r as ShipmentRejected).data.reason),
      },
    },
    // Verify: read-only checks of what execute holds, asked at once. A check changes nothing, but a
    // step with a command and no compensation is past the point of no return (retried forever), so
    // each is undone by giving back what it checked: the same idempotent command that undoes the
    // hold, which then finds nothing left to give back.
    {
      name: 'verify-reservation',
      parallel: 'verify',
      invoke: (d) => new VerifyReservation({ orderId: d.orderId, lines: d.lines }),
      compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
      onReply: {
        [ReservationVerified.type]: (d) => d,
        [ReservationNotVerified.type]: fail((_, r) => (r as ReservationNotVerified).data.reason),
      },
    },
    {
      name: 'verify-authorization',
      parallel: 'verify',
      invoke: (d) => new VerifyAuthorization({ orderId: d.orderId, amount: d.totalAmount }),
      compensate: (d) => new RefundPayment({ orderId: d.orderId }),
      onReply: {
        [AuthorizationVerified.type]: (d) => d,
        [AuthorizationNotVerified.type]: fail((_, r) => (r as AuthorizationNotVerified).data.reason),
      },
    },
    // Approve: the point of no return. These steps have no compensation, so each is retried until
    // it succeeds; one after the other, since a parallel group must be undoable. Money first: a
    // capture refused (the hold is gone) still gives everything back, as nothing was taken.
    {
      name: 'capture-payment',
      invoke: (d) => new CapturePayment({ orderId: d.orderId }),
      onReply: {
        [PaymentCaptured.type]: (d) => d,
        [PaymentCaptureRefused.type]: fail((_, r) => (r as PaymentCaptureRefused).data.reason),
      },
    },
    // Paid: the reserved units leave stock for good.
    {
      name: 'ship-inventory',
      invoke: (d) => new ShipReservation({ orderId: d.orderId }),
      onReply: { [ReservationShipped.type]: (d) => d },
    },
    {
      name: 'confirm-order',
      invoke: (d) => new ConfirmOrder({ orderId: d.orderId }),
      onReply: { [OrderConfirmed.type]: (d) => d },
    },
    // Telling the customer must not undo a confirmed order: not critical.
    {
      name: 'notify-customer',
      critical: false,
      invoke: (d) => new SendNotification({ orderId: d.orderId, customerId: d.customerId, kind: 'ORDER_CONFIRMED' }),
      onReply: { [NotificationSent.type]: (d) => d },
    },
  ],
});
