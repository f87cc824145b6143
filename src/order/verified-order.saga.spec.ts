import { describe, expect, it } from '@jest/globals';
import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  ReservationNotVerified,
  ReservationShipped,
  ReservationVerified,
} from '../inventory/inventory.messages.js';
import type { Command, Message } from '../messaging/message.js';
import { NotificationSent } from '../notification/notification.messages.js';
import {
  AuthorizationNotVerified,
  AuthorizationVerified,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentCaptureRefused,
  PaymentRefunded,
} from '../payment/payment.messages.js';
import { defineSaga } from '../saga/engine/saga-definition.js';
import { applyFailure, applyMemberFailures, applyReply, startSaga, type Decision } from '../saga/engine/saga-transition.js';
import { ShipmentCancelled, ShipmentCreated } from '../shipping/shipping.messages.js';
import { OrderCancelled, OrderConfirmed } from './order.messages.js';
import { verifiedOrderSaga, type VerifiedOrderData } from './verified-order.saga.js';

const data: VerifiedOrderData = {
  orderId: 'o-1',
  customerId: 'c-1',
  lines: [{ productId: 'prod_1', quantity: 40 }],
  totalAmount: '4000.00',
  shippingAddress: { street: '1 Main St', city: 'Springfield', zipCode: '12345', country: 'US' },
};

type Answer = (command: Command) => Message;

/** What every participant answers when all goes well, by command type. */
const happy: Record<string, Answer> = {
  'inventory.ReserveInventory': (c) => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(c),
  'payment.AuthorizePayment': (c) => new PaymentAuthorized({ orderId: 'o-1', paymentId: 'p-1', amount: '4000.00' }).causedBy(c),
  'shipping.CreateShipment': (c) => new ShipmentCreated({ orderId: 'o-1', shipmentId: 's-1' }).causedBy(c),
  'inventory.VerifyReservation': (c) => new ReservationVerified({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(c),
  'payment.VerifyAuthorization': (c) => new AuthorizationVerified({ orderId: 'o-1', paymentId: 'p-1' }).causedBy(c),
  'payment.CapturePayment': (c) => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '4000.00' }).causedBy(c),
  'inventory.ShipReservation': (c) => new ReservationShipped({ orderId: 'o-1', shipped: true }).causedBy(c),
  'order.ConfirmOrder': (c) => new OrderConfirmed({ orderId: 'o-1' }).causedBy(c),
  'notification.SendNotification': (c) => new NotificationSent({ orderId: 'o-1', notificationId: 'n-1' }).causedBy(c),
  'inventory.ReleaseInventory': (c) => new InventoryReleased({ orderId: 'o-1', released: true }).causedBy(c),
  'payment.RefundPayment': (c) => new PaymentRefunded({ orderId: 'o-1', refunded: false }).causedBy(c),
  'shipping.CancelShipment': (c) => new ShipmentCancelled({ orderId: 'o-1', cancelled: true }).causedBy(c),
  'order.CancelOrder': (c) => new OrderCancelled({ orderId: 'o-1', reason: 'x' }).causedBy(c),
};

/**
 * Runs the saga, answering each command as `answers` say (else as `happy`), the members of a group
 * in the order they were sent. Returns each batch of commands sent together ("a ‖ b") and the end.
 */
function run(answers: Record<string, Answer> = {}, from: Decision<VerifiedOrderData> = startSaga(verifiedOrderSaga, data)) {
  const sent: string[] = [];
  let decision = from;
  for (;;) {
    const batch = decision.parallel ?? (decision.next ? [decision.next] : []);
    if (batch.length === 0) return { sent, decision };
    sent.push(batch.map((s) => `${s.step}/${s.action}:${s.command.type}`).join(' ‖ '));
    for (const { command } of batch) {
      const reply = (answers[command.type] ?? happy[command.type])(command);
      decision = applyReply(verifiedOrderSaga, decision.state, reply);
    }
  }
}

describe('verified-order saga', () => {
  it('executes all at once, verifies both at once, then captures, ships, confirms and notifies', () => {
    const { sent, decision } = run();
    expect(sent).toEqual([
      'reserve-inventory/execute:inventory.ReserveInventory ‖ authorize-payment/execute:payment.AuthorizePayment ‖ create-shipment/execute:shipping.CreateShipment',
      'verify-reservation/execute:inventory.VerifyReservation ‖ verify-authorization/execute:payment.VerifyAuthorization',
      'capture-payment/execute:payment.CapturePayment',
      'ship-inventory/execute:inventory.ShipReservation',
      'confirm-order/execute:order.ConfirmOrder',
      'notify-customer/execute:notification.SendNotification',
    ]);
    expect(decision.state).toMatchObject({ status: 'COMPLETED', data: { reservationId: 'r-1', paymentId: 'p-1', shipmentId: 's-1' } });
  });

  it('asks each service with the order: its lines, its total, its address', () => {
    const start = startSaga(verifiedOrderSaga, data);
    expect(Object.fromEntries(start.parallel!.map((s) => [s.command.type, s.command.data]))).toEqual({
      'inventory.ReserveInventory': { orderId: 'o-1', lines: data.lines },
      'payment.AuthorizePayment': { orderId: 'o-1', customerId: 'c-1', amount: '4000.00' },
      'shipping.CreateShipment': { orderId: 'o-1', address: data.shippingAddress, lines: data.lines },
    });
  });

  it('verification refused (RISK_REVIEW): gives back everything newest first, once the other check settled; nothing captured', () => {
    const { sent, decision } = run({ 'payment.VerifyAuthorization': (c) => new AuthorizationNotVerified({ orderId: 'o-1', reason: 'RISK_REVIEW' }).causedBy(c) });
    expect(sent.slice(2)).toEqual([
      'verify-reservation/compensate:inventory.ReleaseInventory', // the check that passed; the one that said no did not happen
      'create-shipment/compensate:shipping.CancelShipment',
      'authorize-payment/compensate:payment.RefundPayment',
      'reserve-inventory/compensate:inventory.ReleaseInventory',
      'create-order/compensate:order.CancelOrder',
    ]);
    expect(sent.join()).not.toContain('CapturePayment');
    expect(decision.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'RISK_REVIEW' });
  });

  it('stock no longer held at verification: NOT_RESERVED, the hold voided and the shipment cancelled', () => {
    const { sent, decision } = run({ 'inventory.VerifyReservation': (c) => new ReservationNotVerified({ orderId: 'o-1', reason: 'NOT_RESERVED' }).causedBy(c) });
    expect(sent[2]).toBe('verify-authorization/compensate:payment.RefundPayment');
    expect(decision.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'NOT_RESERVED' });
  });

  it('out of stock while executing: cancels the shipment, voids the hold and cancels the order; never verifies, never releases', () => {
    const { sent, decision } = run({ 'inventory.ReserveInventory': (c) => new InventoryRejected({ orderId: 'o-1', reason: 'OUT_OF_STOCK' }).causedBy(c) });
    expect(sent.slice(1)).toEqual([
      'create-shipment/compensate:shipping.CancelShipment',
      'authorize-payment/compensate:payment.RefundPayment',
      'create-order/compensate:order.CancelOrder',
    ]);
    expect(decision.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'OUT_OF_STOCK' });
  });

  it('a verification failing past its attempts may have happened: compensated with the rest', () => {
    const start = startSaga(verifiedOrderSaga, data);
    let d = start;
    for (const { command } of start.parallel!) d = applyReply(verifiedOrderSaga, d.state, happy[command.type](command));
    const verifying = d;
    const check = verifying.parallel!.find((s) => s.step === 'verify-authorization')!.command;
    const failure = [{ messageId: check.meta.messageId, failure: { kind: 'ERROR' as const, message: 'boom' } }];
    d = applyMemberFailures(verifiedOrderSaga, verifying.state, failure, () => 1);
    const other = verifying.parallel!.find((s) => s.step === 'verify-reservation')!.command;
    d = applyReply(verifiedOrderSaga, d.state, happy[other.type](other));
    const { sent, decision } = run({}, d);
    expect(sent).toEqual([
      'verify-authorization/compensate:payment.RefundPayment',
      'verify-reservation/compensate:inventory.ReleaseInventory',
      'create-shipment/compensate:shipping.CancelShipment',
      'authorize-payment/compensate:payment.RefundPayment',
      'reserve-inventory/compensate:inventory.ReleaseInventory',
      'create-order/compensate:order.CancelOrder',
    ]);
    expect(decision.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'VERIFY_AUTHORIZATION_FAILED' });
  });

  it('a capture refused (the hold is gone) still gives everything back: no money was taken', () => {
    const { sent, decision } = run({ 'payment.CapturePayment': (c) => new PaymentCaptureRefused({ orderId: 'o-1', reason: 'VOIDED' }).causedBy(c) });
    expect(sent.at(-1)).toBe('create-order/compensate:order.CancelOrder');
    expect(decision.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'VOIDED' });
  });

  it('past approval nothing is undone: capture, ship and confirm are retried however often they fail; a failed notification still ends COMPLETED', () => {
    const boom = { kind: 'ERROR' as const, message: 'boom' };
    const untilStep = (name: string) => {
      let d = startSaga(verifiedOrderSaga, data);
      for (;;) {
        const batch = d.parallel ?? [d.next!];
        if (batch[0].step === name) return d;
        for (const { command } of batch) d = applyReply(verifiedOrderSaga, d.state, happy[command.type](command));
      }
    };
    for (const name of ['capture-payment', 'ship-inventory', 'confirm-order']) {
      const at = untilStep(name);
      const again = applyFailure(verifiedOrderSaga, { ...at.state, attempt: 99 }, boom, 3);
      expect([name, again.next?.step, again.next?.action, again.next?.command.meta.messageId]).toEqual([name, name, 'execute', at.next!.command.meta.messageId]);
    }
    const notifying = untilStep('notify-customer');
    const gaveUp = applyFailure(verifiedOrderSaga, { ...notifying.state, attempt: 3 }, boom, 3);
    expect(gaveUp.state.status).toBe('COMPLETED');
  });

  it('is a valid definition: its groups are undoable (a verification without a compensation would be refused)', () => {
    const withoutUndo = verifiedOrderSaga.steps.map((s) => (s.name === 'verify-authorization' ? { ...s, compensate: undefined } : s));
    expect(() => defineSaga({ ...verifiedOrderSaga, steps: withoutUndo })).toThrow(/verify-authorization runs in parallel group verify/);
  });
});
