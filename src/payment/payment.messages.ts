import { Command, Event, registerMessages } from '../messaging/message.js';
import type { GrpcCall } from '../messaging/transport.js';

/** Charge an order's total; answered by PaymentCaptured or PaymentDeclined. */
export class ProcessPayment extends Command<{ orderId: string; customerId: string; amount: string }> {
  static readonly type = 'payment.ProcessPayment';
  // A REFUNDED payment was captured first: the charge itself succeeded (as the handler answers).
  static readonly grpc: GrpcCall<ProcessPayment, object, { id: string; amount: string; status: PaymentStatus; reason: string }> = {
    service: 'payment.v1.PaymentService',
    method: 'ProcessPayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, ...data }),
    reply: (p, { data }) =>
      p.status === 'DECLINED' ? new PaymentDeclined({ orderId: data.orderId, paymentId: p.id, reason: p.reason }) : new PaymentCaptured({ orderId: data.orderId, paymentId: p.id, amount: p.amount }),
  };
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
  static readonly grpc: GrpcCall<RefundPayment, object, { refunded: boolean }> = {
    service: 'payment.v1.PaymentService',
    method: 'RefundPayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) => new PaymentRefunded({ orderId: data.orderId, refunded: r.refunded }),
  };
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
