import { ReleaseInventory, ReservationNotVerified, ReservationVerified, VerifyReservation } from '../inventory/inventory.messages.js';
import {
  AuthorizationNotVerified,
  AuthorizationVerified,
  CapturePayment,
  PaymentCaptured,
  PaymentCaptureRefused,
  RefundPayment,
  VerifyAuthorization,
} from '../payment/payment.messages.js';
import { defineSaga, fail } from '../saga/engine/saga-definition.js';
import { VerifiedOrderDto } from './dto/verified-order.dto.js';
import { authorizePayment, confirmOrder, createOrder, createShipment, notifyCustomer, type PlaceOrderData, reserveInventory, shipInventory } from './order-steps.js';

/** A verified order carries what a placed order does. */
export type VerifiedOrderData = PlaceOrderData;

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
    createOrder,
    // Execute: the three holds are independent, so they are asked at once; each can be given back.
    { ...reserveInventory, parallel: 'execute' },
    { ...authorizePayment, parallel: 'execute' },
    { ...createShipment, parallel: 'execute' },
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
    shipInventory,
    confirmOrder,
    notifyCustomer,
  ],
});
