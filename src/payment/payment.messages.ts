import { Command, Event, registerMessages } from '../messaging/message.js';

/** Charge an order's total; answered by PaymentCaptured or PaymentDeclined. */
export class ProcessPayment extends Command<{ orderId: string; customerId: string; amount: string }> {
  static readonly type = 'payment.ProcessPayment';
}

export class PaymentCaptured extends Event<{ orderId: string; paymentId: string; amount: string }> {
  static readonly type = 'payment.PaymentCaptured';
}

/** A business "no" from the card gateway. */
export class PaymentDeclined extends Event<{ orderId: string; paymentId: string; reason: string }> {
  static readonly type = 'payment.PaymentDeclined';
}

/** Give a captured payment back; a no-op success when nothing was captured. */
export class RefundPayment extends Command<{ orderId: string }> {
  static readonly type = 'payment.RefundPayment';
}

/** `refunded`: the order's payment had been captured and is now refunded (false when none was). */
export class PaymentRefunded extends Event<{ orderId: string; refunded: boolean }> {
  static readonly type = 'payment.PaymentRefunded';
}

export type PaymentStatus = 'CAPTURED' | 'DECLINED' | 'REFUNDED';

export interface PaymentView {
  id: string;
  orderId: string;
  amount: string;
  status: PaymentStatus;
  createdAt: string;
  updatedAt: string;
}

/** In-process query: an order's payment, or PaymentError PAYMENT_NOT_FOUND. */
export class GetPayment {
  constructor(readonly orderId: string) {}
}

registerMessages(ProcessPayment, PaymentCaptured, PaymentDeclined, RefundPayment, PaymentRefunded);
