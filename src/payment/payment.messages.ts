import { Command, Event, registerMessages } from '../messaging/message.js';
import type { GrpcCall } from '../messaging/transport.js';

/** The statuses of a payment whose money was taken (a refund comes after a capture). */
const CHARGED: PaymentStatus[] = ['CAPTURED', 'REFUNDED'];

/** Charge an order's total; answered by PaymentCaptured or PaymentDeclined. */
export class ProcessPayment extends Command<{ orderId: string; customerId: string; amount: string }> {
  static readonly type = 'payment.ProcessPayment';
  // A REFUNDED payment was captured first: the charge itself succeeded (as the handler answers);
  // a VOIDED one was only held, and given back.
  static readonly grpc: GrpcCall<ProcessPayment, object, { id: string; amount: string; status: PaymentStatus; reason: string }> = {
    service: 'payment.v1.PaymentService',
    method: 'ProcessPayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, ...data }),
    reply: (p, { data }) =>
      CHARGED.includes(p.status) ? new PaymentCaptured({ orderId: data.orderId, paymentId: p.id, amount: p.amount }) : new PaymentDeclined({ orderId: data.orderId, paymentId: p.id, reason: p.reason }),
  };
}

/**
 * Hold an order's total on the card, to take it later (CapturePayment) or give it back
 * (RefundPayment voids a hold); answered by PaymentAuthorized or PaymentDeclined.
 */
export class AuthorizePayment extends Command<{ orderId: string; customerId: string; amount: string }> {
  static readonly type = 'payment.AuthorizePayment';
  // Any payment but a declined one was authorised first (as the handler answers).
  static readonly grpc: GrpcCall<AuthorizePayment, object, { id: string; amount: string; status: PaymentStatus; reason: string }> = {
    service: 'payment.v1.PaymentService',
    method: 'AuthorizePayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, ...data }),
    reply: (p, { data }) =>
      p.status === 'DECLINED' ? new PaymentDeclined({ orderId: data.orderId, paymentId: p.id, reason: p.reason }) : new PaymentAuthorized({ orderId: data.orderId, paymentId: p.id, amount: p.amount }),
  };
}

/** The order's total is held on the card, not taken yet. */
export class PaymentAuthorized extends Event<{ orderId: string; paymentId: string; amount: string }> {
  static readonly type = 'payment.PaymentAuthorized';
}

/** Take the money an AuthorizePayment held; answered by PaymentCaptured or PaymentCaptureRefused. */
export class CapturePayment extends Command<{ orderId: string }> {
  static readonly type = 'payment.CapturePayment';
  static readonly grpc: GrpcCall<CapturePayment, object, { captured: boolean; paymentId: string; amount: string; reason: string }> = {
    service: 'payment.v1.PaymentService',
    method: 'CapturePayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) =>
      r.captured ? new PaymentCaptured({ orderId: data.orderId, paymentId: r.paymentId, amount: r.amount }) : new PaymentCaptureRefused({ orderId: data.orderId, reason: r.reason as CaptureRefusal }),
  };
}

/**
 * Why nothing can be captured: the authorisation was DECLINED, or its hold was VOIDED (both
 * final), or the order has no payment at all: NOT_AUTHORIZED, which changes nothing, so an
 * authorisation that arrives later can still be captured.
 */
export type CaptureRefusal = 'NOT_AUTHORIZED' | 'DECLINED' | 'VOIDED';

/** A business "no" to a capture: no money is held for the order, so there is nothing to take. */
export class PaymentCaptureRefused extends Event<{ orderId: string; reason: CaptureRefusal }> {
  static readonly type = 'payment.PaymentCaptureRefused';
}

export class PaymentCaptured extends Event<{ orderId: string; paymentId: string; amount: string }> {
  static readonly type = 'payment.PaymentCaptured';
}

/** A business "no" from the card gateway. */
export class PaymentDeclined extends Event<{ orderId: string; paymentId: string; reason: string }> {
  static readonly type = 'payment.PaymentDeclined';
}

/** Give back whatever is held: void an authorised payment, refund a captured one; a no-op success otherwise. */
export class RefundPayment extends Command<{ orderId: string }> {
  static readonly type = 'payment.RefundPayment';
  static readonly grpc: GrpcCall<RefundPayment, object, { refunded: boolean }> = {
    service: 'payment.v1.PaymentService',
    method: 'RefundPayment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) => new PaymentRefunded({ orderId: data.orderId, refunded: r.refunded }),
  };
}

/**
 * `refunded`: the order's payment had been captured and is now refunded (false when none was:
 * a voided hold, a declined payment, or none at all).
 */
export class PaymentRefunded extends Event<{ orderId: string; refunded: boolean }> {
  static readonly type = 'payment.PaymentRefunded';
}

/**
 * Check, changing nothing, that an order's hold can be taken: the payment is AUTHORIZED for
 * exactly `amount`, and the amount passes the risk rule (PAYMENT_REVIEW_ABOVE). Answered by
 * AuthorizationVerified or AuthorizationNotVerified.
 */
export class VerifyAuthorization extends Command<{ orderId: string; amount: string }> {
  static readonly type = 'payment.VerifyAuthorization';
  static readonly grpc: GrpcCall<VerifyAuthorization, object, { verified: boolean; paymentId: string; reason: string }> = {
    service: 'payment.v1.PaymentService',
    method: 'VerifyAuthorization',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId, amount: data.amount }),
    reply: (r, { data }) =>
      r.verified ? new AuthorizationVerified({ orderId: data.orderId, paymentId: r.paymentId }) : new AuthorizationNotVerified({ orderId: data.orderId, reason: r.reason as AuthorizationRefusal }),
  };
}

export class AuthorizationVerified extends Event<{ orderId: string; paymentId: string }> {
  static readonly type = 'payment.AuthorizationVerified';
}

/**
 * NOT_AUTHORIZED: no money is held (no payment, or it is declined, voided, captured or refunded);
 * AMOUNT_MISMATCH: the hold is not for the order's total; RISK_REVIEW: the total is above
 * PAYMENT_REVIEW_ABOVE, for a person to look at before any money is taken.
 */
export type AuthorizationRefusal = 'NOT_AUTHORIZED' | 'AMOUNT_MISMATCH' | 'RISK_REVIEW';

/** A business "no" to a verification: the hold must not be taken as it is. */
export class AuthorizationNotVerified extends Event<{ orderId: string; reason: AuthorizationRefusal }> {
  static readonly type = 'payment.AuthorizationNotVerified';
}

/** AUTHORIZED → CAPTURED → REFUNDED, or AUTHORIZED → VOIDED; a charge goes straight to CAPTURED; DECLINED is final. */
export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'VOIDED' | 'REFUNDED';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['AUTHORIZED', 'CAPTURED', 'DECLINED', 'VOIDED', 'REFUNDED'];

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

registerMessages(ProcessPayment, PaymentCaptured, PaymentDeclined, AuthorizePayment, PaymentAuthorized, CapturePayment, PaymentCaptureRefused, RefundPayment, PaymentRefunded, VerifyAuthorization, AuthorizationVerified, AuthorizationNotVerified);
