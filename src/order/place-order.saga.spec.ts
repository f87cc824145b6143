import { describe, expect, it } from '@jest/globals';
import { InventoryRejected, InventoryReleased, InventoryReserved, ReleaseInventory, ReservationShipped, ReserveInventory, ShipReservation } from '../inventory/inventory.messages.js';
import type { Command, Message } from '../messaging/message.js';
import { NotificationSent, SendNotification } from '../notification/notification.messages.js';
import { AuthorizePayment, CapturePayment, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentRefunded, ProcessPayment, RefundPayment } from '../payment/payment.messages.js';
import { applyFailure, applyReply, startSaga, type Decision } from '../saga/engine/saga-transition.js';
import { CancelShipment, CreateShipment, ShipmentCancelled, ShipmentCreated } from '../shipping/shipping.messages.js';
import { CancelOrder, ConfirmOrder, OrderCancelled, OrderConfirmed } from './order.messages.js';
import { placeOrderSaga, placeOrderSagaV1, type PlaceOrderData } from './place-order.saga.js';

const data: PlaceOrderData = { orderId: 'o-1', customerId: 'c-1', lines: [{ productId: 'prod_1', quantity: 2 }], totalAmount: '59.97' };
const address = { street: '1 Main St', city: 'Springfield', zipCode: '12345', country: 'US' };

/** The commands a decision sends: the next one, or a parallel group's. */
const sends = (d: Decision<PlaceOrderData>): Command[] => (d.parallel ?? (d.next ? [d.next] : [])).map((n) => n.command);
const names = (d: Decision<PlaceOrderData>) => sends(d).map((c) => c.constructor);

/** Answers the command of type `type` among those the last decision sent (or awaits). */
function answer(decision: Decision<PlaceOrderData>, reply: (c: Command) => Message, to: Command): Decision<PlaceOrderData> {
  return applyReply(placeOrderSaga, decision.state, reply(to).causedBy(to));
}

describe('place-order saga v2', () => {
  it('holds stock and money at once, captures, ships the stock, confirms and notifies', () => {
    const start = startSaga(placeOrderSaga, data);
    expect(names(start)).toEqual([ReserveInventory, AuthorizePayment]);
    const [reserve, authorize] = sends(start);
    expect(authorize.data).toEqual({ orderId: 'o-1', customerId: 'c-1', amount: '59.97' });
    let d = answer(start, () => new PaymentAuthorized({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), authorize);
    expect(sends(d)).toEqual([]); // the hold of stock is still awaited
    d = answer(d, () => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }), reserve);
    // No shipping address: nothing to ship, so create-shipment is passed over.
    expect(names(d)).toEqual([CapturePayment]);
    d = answer(d, () => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), sends(d)[0]);
    expect(names(d)).toEqual([ShipReservation]);
    d = answer(d, () => new ReservationShipped({ orderId: 'o-1', shipped: true }), sends(d)[0]);
    expect(names(d)).toEqual([ConfirmOrder]);
    d = answer(d, () => new OrderConfirmed({ orderId: 'o-1' }), sends(d)[0]);
    expect(names(d)).toEqual([SendNotification]);
    expect(sends(d)[0].data).toEqual({ orderId: 'o-1', customerId: 'c-1', kind: 'ORDER_CONFIRMED' });
    d = answer(d, () => new NotificationSent({ orderId: 'o-1', notificationId: 'n-1' }), sends(d)[0]);
    expect(d.state).toMatchObject({ status: 'COMPLETED', data: { reservationId: 'r-1', paymentId: 'p-1' } });
  });

  it('ships an order with an address after the capture; a shipping failure cancels the shipment, refunds, releases and cancels', () => {
    const start = startSaga(placeOrderSaga, { ...data, shippingAddress: address });
    const [reserve, authorize] = sends(start);
    let d = answer(start, () => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }), reserve);
    d = answer(d, () => new PaymentAuthorized({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), authorize);
    d = answer(d, () => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), sends(d)[0]);
    expect(names(d)).toEqual([CreateShipment]);
    expect(sends(d)[0].data).toEqual({ orderId: 'o-1', address, lines: data.lines });
    // The shipping service fails past its attempts: it may have shipped, so it is cancelled too.
    d = applyFailure(placeOrderSaga, d.state, { kind: 'ERROR', message: 'down' }, 1);
    const undone: Command[] = [];
    const replies = [() => new ShipmentCancelled({ orderId: 'o-1', cancelled: false }), () => new PaymentRefunded({ orderId: 'o-1', refunded: true }), () => new PaymentRefunded({ orderId: 'o-1', refunded: false }), () => new InventoryReleased({ orderId: 'o-1', released: true }), () => new OrderCancelled({ orderId: 'o-1', reason: 'x' })];
    for (const reply of replies) {
      undone.push(...sends(d));
      d = answer(d, reply, sends(d)[0]);
    }
    // Newest first: the shipment, the capture, then the hold group's members, then the order.
    expect(undone.map((c) => c.constructor)).toEqual([CancelShipment, RefundPayment, RefundPayment, ReleaseInventory, CancelOrder]);
    expect(d.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'CREATE_SHIPMENT_FAILED' });
  });

  it('on a declined payment waits for the stock hold, releases it, cancels, and refunds nothing', () => {
    const start = startSaga(placeOrderSaga, data);
    const [reserve, authorize] = sends(start);
    let d = answer(start, () => new PaymentDeclined({ orderId: 'o-1', paymentId: 'p-1', reason: 'CARD_DECLINED' }), authorize);
    expect(sends(d)).toEqual([]); // never undo the stock while its hold may still be under way
    d = answer(d, () => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }), reserve);
    expect(names(d)).toEqual([ReleaseInventory]);
    d = answer(d, () => new InventoryReleased({ orderId: 'o-1', released: true }), sends(d)[0]);
    expect(names(d)).toEqual([CancelOrder]);
    expect(sends(d)[0].data).toEqual({ orderId: 'o-1', reason: 'CARD_DECLINED' });
    d = answer(d, () => new OrderCancelled({ orderId: 'o-1', reason: 'CARD_DECLINED' }), sends(d)[0]);
    expect(d.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'CARD_DECLINED' });
  });

  it('on short stock voids the hold of money and cancels', () => {
    const start = startSaga(placeOrderSaga, data);
    const [reserve, authorize] = sends(start);
    let d = answer(start, () => new InventoryRejected({ orderId: 'o-1', reason: 'OUT_OF_STOCK', productId: 'prod_1' }), reserve);
    d = answer(d, () => new PaymentAuthorized({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), authorize);
    expect(names(d)).toEqual([RefundPayment]);
    d = answer(d, () => new PaymentRefunded({ orderId: 'o-1', refunded: false }), sends(d)[0]);
    expect(names(d)).toEqual([CancelOrder]);
  });

  it('a notification that cannot be sent leaves the order confirmed and the saga COMPLETED', () => {
    let d = startSaga(placeOrderSaga, data);
    const [reserve, authorize] = sends(d);
    d = answer(d, () => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }), reserve);
    d = answer(d, () => new PaymentAuthorized({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), authorize);
    d = answer(d, () => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }), sends(d)[0]);
    d = answer(d, () => new ReservationShipped({ orderId: 'o-1', shipped: true }), sends(d)[0]);
    d = answer(d, () => new OrderConfirmed({ orderId: 'o-1' }), sends(d)[0]);
    d = applyFailure(placeOrderSaga, d.state, { kind: 'ERROR', message: 'mail server down' }, 1);
    expect(sends(d)).toEqual([]);
    expect(d.state.status).toBe('COMPLETED');
    expect(d.finished).toEqual([expect.objectContaining({ step: 'notify-customer', status: 'FAILED', message: 'ERROR: mail server down' })]);
  });
});

describe('place-order saga v1 (kept for sagas started before v2)', () => {
  it('reserves, charges at once, confirms', () => {
    let d = startSaga(placeOrderSagaV1, data);
    expect(names(d)).toEqual([ReserveInventory]);
    d = applyReply(placeOrderSagaV1, d.state, new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(sends(d)[0]));
    expect(names(d)).toEqual([ProcessPayment]);
    d = applyReply(placeOrderSagaV1, d.state, new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }).causedBy(sends(d)[0]));
    expect(names(d)).toEqual([ConfirmOrder]);
    d = applyReply(placeOrderSagaV1, d.state, new OrderConfirmed({ orderId: 'o-1' }).causedBy(sends(d)[0]));
    expect(d.state.status).toBe('COMPLETED');
  });
});
