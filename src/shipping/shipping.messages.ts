import { Command, Event, registerMessages } from '../messaging/message.js';
import type { GrpcCall } from '../messaging/transport.js';

/** Where an order goes. `country` is an ISO 3166-1 alpha-2 code, upper-case; `state` where the country has them. */
export interface ShippingAddress {
  street: string;
  city: string;
  state?: string;
  zipCode: string;
  country: string;
}

export interface ShipmentLine {
  productId: string;
  quantity: number;
}

/**
 * Ship an order's lines to its address; answered by ShipmentCreated or ShipmentRejected. Asked
 * again for the order, it answers as the first time.
 */
export class CreateShipment extends Command<{ orderId: string; address?: ShippingAddress; lines: ShipmentLine[] }> {
  static readonly type = 'shipping.CreateShipment';
  static readonly grpc: GrpcCall<CreateShipment, object, { created: boolean; shipmentId: string; reason: string }> = {
    service: 'shipping.v1.ShippingService',
    method: 'CreateShipment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId, address: data.address, lines: data.lines }),
    reply: (r, { data }) => (r.created ? new ShipmentCreated({ orderId: data.orderId, shipmentId: r.shipmentId }) : new ShipmentRejected({ orderId: data.orderId, reason: r.reason })),
  };
}

export class ShipmentCreated extends Event<{ orderId: string; shipmentId: string }> {
  static readonly type = 'shipping.ShipmentCreated';
}

/** A business "no": ADDRESS_MISSING, COUNTRY_NOT_SERVED (SHIPPING_COUNTRIES), or CANCELLED (the cancel came first). */
export class ShipmentRejected extends Event<{ orderId: string; reason: string }> {
  static readonly type = 'shipping.ShipmentRejected';
}

/** Call an order's shipment off; a no-op success when nothing was shipped. */
export class CancelShipment extends Command<{ orderId: string }> {
  static readonly type = 'shipping.CancelShipment';
  static readonly grpc: GrpcCall<CancelShipment, object, { cancelled: boolean }> = {
    service: 'shipping.v1.ShippingService',
    method: 'CancelShipment',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) => new ShipmentCancelled({ orderId: data.orderId, cancelled: r.cancelled }),
  };
}

/** `cancelled`: the order had a shipment and it is now CANCELLED (false when none was created). */
export class ShipmentCancelled extends Event<{ orderId: string; cancelled: boolean }> {
  static readonly type = 'shipping.ShipmentCancelled';
}

export type ShipmentStatus = 'CREATED' | 'REJECTED' | 'CANCELLED';

export interface ShipmentView {
  id: string;
  orderId: string;
  status: ShipmentStatus;
  /** Why it was rejected (or cancelled before it was created); null otherwise. */
  reason: string | null;
  address: ShippingAddress | null;
  lines: ShipmentLine[];
  /** Units in the shipment, all lines together. */
  units: number;
  createdAt: string;
  updatedAt: string;
}

/** In-process query: an order's shipment, or ShippingError SHIPMENT_NOT_FOUND. */
export class GetShipment {
  constructor(readonly orderId: string) {}
}

registerMessages(CreateShipment, ShipmentCreated, ShipmentRejected, CancelShipment, ShipmentCancelled);
