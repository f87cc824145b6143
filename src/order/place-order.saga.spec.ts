import { describe, expect, it } from '@jest/globals';
import { InventoryRejected, InventoryReleased, InventoryReserved, ReleaseInventory, ReserveInventory } from '../inventory/inventory.messages.js';
import type { Command } from '../messaging/message.js';
import { PaymentCaptured, PaymentDeclined, PaymentRefunded, ProcessPayment, RefundPayment } from '../payment/payment.messages.js';
import { applyReply, startSaga, type Decision } from '../saga/engine/saga-transition.js';
import { CancelOrder, ConfirmOrder, OrderCancelled, OrderConfirmed } from './order.messages.js';
import { placeOrderSaga, type PlaceOrderData } from './place-order.saga.js';

const data: PlaceOrderData = {
  orderId: 'o-1',
  customerId: 'c-1',
  lines: [{ productId: 'prod_1', quantity: 2 }],
  totalAmount: '59.97',
};

/** Feeds replies one by one; returns every decision. */
function run(...replies: ((sent: Command) => { type: string; data: unknown })[]): Decision<PlaceOrderData>[] {
  const decisions = [startSaga(placeOrderSaga, data)];
  for (const reply of replies) {
    const last = decisions.at(-1)!;
    const { command } = last.next!;
    const message = reply(command) as never;
    decisions.push(applyReply(placeOrderSaga, last.state, message));
  }
  return decisions;
}

const sent = (decisions: Decision<PlaceOrderData>[]) => decisions.map((d) => d.next?.command.constructor);

describe('place-order saga', () => {
  it('reserves, charges, confirms and completes', () => {
    const decisions = run(
      (c) => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(c),
      (c) => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }).causedBy(c),
      (c) => new OrderConfirmed({ orderId: 'o-1' }).causedBy(c),
    );
    expect(sent(decisions)).toEqual([ReserveInventory, ProcessPayment, ConfirmOrder, undefined]);
    expect(decisions[1].next!.command.data).toEqual({ orderId: 'o-1', customerId: 'c-1', amount: '59.97' });
    expect(decisions.map((d) => d.state.status)).toEqual(['STARTED', 'RUNNING', 'RUNNING', 'COMPLETED']);
    expect(decisions[3].state.data).toMatchObject({ reservationId: 'r-1', paymentId: 'p-1' });
    // The order row was written when the saga started: recorded as done, with no command.
    expect(decisions[0].finished).toEqual([{ step: 'create-order', action: 'execute', status: 'SUCCEEDED', message: null }]);
  });

  it('on a declined payment releases the stock, then cancels the order, and refunds nothing', () => {
    const decisions = run(
      (c) => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(c),
      (c) => new PaymentDeclined({ orderId: 'o-1', paymentId: 'p-1', reason: 'CARD_DECLINED' }).causedBy(c),
      (c) => new InventoryReleased({ orderId: 'o-1', released: true }).causedBy(c),
      (c) => new OrderCancelled({ orderId: 'o-1', reason: 'CARD_DECLINED' }).causedBy(c),
    );
    expect(sent(decisions)).toEqual([ReserveInventory, ProcessPayment, ReleaseInventory, CancelOrder, undefined]);
    expect(decisions[3].next!.command.data).toEqual({ orderId: 'o-1', reason: 'CARD_DECLINED' });
    expect(decisions.map((d) => d.state.status)).toEqual(['STARTED', 'RUNNING', 'COMPENSATING', 'COMPENSATING', 'COMPENSATED']);
    expect(decisions[2].finished).toEqual([{ step: 'process-payment', action: 'execute', status: 'FAILED', message: 'CARD_DECLINED' }]);
    expect(decisions[4].state.failureReason).toBe('CARD_DECLINED');
  });

  it('compensates newest first: refund, release, cancel (when the last step fails after payment)', () => {
    // Confirm cannot say no, so force the failure at payment's successor by hand:
    // a failure right after capture compensates payment, inventory and the order, in that order.
    const afterCapture = run(
      (c) => new InventoryReserved({ orderId: 'o-1', reservationId: 'r-1' }).causedBy(c),
      (c) => new PaymentCaptured({ orderId: 'o-1', paymentId: 'p-1', amount: '59.97' }).causedBy(c),
    ).at(-1)!;
    const failing = { ...placeOrderSaga, steps: placeOrderSaga.steps.map((s) =>
      s.name === 'confirm-order' ? { ...s, onReply: { [OrderConfirmed.type]: () => ({ failed: 'CONFIRM_REFUSED' }) } } : s) };
    let decision = applyReply(failing, afterCapture.state, new OrderConfirmed({ orderId: 'o-1' }).causedBy(afterCapture.next!.command));
    const commands = [decision.next!.command];
    for (const reply of [PaymentRefunded, InventoryReleased, OrderCancelled]) {
      decision = applyReply(failing, decision.state, new reply({} as never).causedBy(decision.next!.command));
      if (decision.next) commands.push(decision.next.command);
    }
    expect(commands.map((c) => c.constructor)).toEqual([RefundPayment, ReleaseInventory, CancelOrder]);
    expect(decision.state.status).toBe('COMPENSATED');
  });

  it('on short stock cancels the order without charging', () => {
    const decisions = run(
      (c) => new InventoryRejected({ orderId: 'o-1', reason: 'OUT_OF_STOCK', productId: 'prod_1' }).causedBy(c),
      (c) => new OrderCancelled({ orderId: 'o-1', reason: 'OUT_OF_STOCK' }).causedBy(c),
    );
    expect(sent(decisions)).toEqual([ReserveInventory, CancelOrder, undefined]);
    expect(decisions.at(-1)!.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'OUT_OF_STOCK' });
  });

  it('refuses a reply the step does not expect', () => {
    const [start] = run();
    expect(() => applyReply(placeOrderSaga, start.state, new PaymentCaptured({} as never))).toThrow(/does not expect/);
  });
});
