import { InventoryRejected, InventoryReserved, ReleaseInventory, ReserveInventory, type StockLine } from '../inventory/inventory.messages.js';
import { PaymentCaptured, PaymentDeclined, ProcessPayment, RefundPayment } from '../payment/payment.messages.js';
import { defineSaga, fail } from '../saga/engine/saga-definition.js';
import { CreateOrderDto } from './dto/create-order.dto.js';
import type { ShippingAddress } from '../shipping/shipping.messages.js';
import { CancelOrder, ConfirmOrder, OrderConfirmed } from './order.messages.js';

export interface PlaceOrderData {
  orderId: string;
  customerId: string;
  lines: StockLine[];
  totalAmount: string;
  /** Where the order goes, when it was placed with an address. */
  shippingAddress?: ShippingAddress;
  reservationId?: string;
  paymentId?: string;
}

export const placeOrderSaga = defineSaga<PlaceOrderData>({
  type: 'place-order',
  // Started over the saga API with the body of POST /orders (see place-order.starter.ts).
  payload: CreateOrderDto,
  steps: [
    // The order row is written by the transaction that starts the saga; undoing it cancels it.
    {
      name: 'create-order',
      compensate: (d, reason) => new CancelOrder({ orderId: d.orderId, reason }),
    },
    // Hold the stock first: cheapest to undo.
    {
      name: 'reserve-inventory',
      invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
      compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
      onReply: {
        [InventoryReserved.type]: (d, r) => ({ ...d, reservationId: (r as InventoryReserved).data.reservationId }),
        [InventoryRejected.type]: fail((_, r) => (r as InventoryRejected).data.reason),
      },
    },
    // Charge last of the steps that can say no: a refund costs money.
    {
      name: 'process-payment',
      invoke: (d) => new ProcessPayment({ orderId: d.orderId, customerId: d.customerId, amount: d.totalAmount }),
      compensate: (d) => new RefundPayment({ orderId: d.orderId }),
      onReply: {
        [PaymentCaptured.type]: (d, r) => ({ ...d, paymentId: (r as PaymentCaptured).data.paymentId }),
        [PaymentDeclined.type]: fail((_, r) => (r as PaymentDeclined).data.reason),
      },
    },
    // Confirming cannot fail: retried until it succeeds, never compensated.
    {
      name: 'confirm-order',
      invoke: (d) => new ConfirmOrder({ orderId: d.orderId }),
      onReply: { [OrderConfirmed.type]: (d) => d },
    },
  ],
});
