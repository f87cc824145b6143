import { Command, Event, registerMessages } from '../messaging/message.js';
import type { GrpcCall } from '../messaging/transport.js';

export interface StockLine {
  productId: string;
  quantity: number;
}

/** Hold stock for an order; answered by InventoryReserved or InventoryRejected. */
export class ReserveInventory extends Command<{ orderId: string; lines: StockLine[] }> {
  static readonly type = 'inventory.ReserveInventory';
  static readonly grpc: GrpcCall<ReserveInventory, object, { reserved: boolean; reservationId: string; reason: string }> = {
    service: 'inventory.v1.InventoryService',
    method: 'ReserveInventory',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId, lines: data.lines }),
    reply: (r, { data }) => (r.reserved ? new InventoryReserved({ orderId: data.orderId, reservationId: r.reservationId }) : new InventoryRejected({ orderId: data.orderId, reason: r.reason })),
  };
}

export class InventoryReserved extends Event<{ orderId: string; reservationId: string }> {
  static readonly type = 'inventory.InventoryReserved';
}

/** A business "no": stock is short, a product is unknown, or the order was released first. */
export class InventoryRejected extends Event<{ orderId: string; reason: string; productId?: string }> {
  static readonly type = 'inventory.InventoryRejected';
}

/** Give an order's held stock back; a no-op success when nothing is held (or it was shipped already). */
export class ReleaseInventory extends Command<{ orderId: string }> {
  static readonly type = 'inventory.ReleaseInventory';
  static readonly grpc: GrpcCall<ReleaseInventory, object, { released: boolean }> = {
    service: 'inventory.v1.InventoryService',
    method: 'ReleaseInventory',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) => new InventoryReleased({ orderId: data.orderId, released: r.released }),
  };
}

/** `released`: stock had been held for the order and is now back (false when none was held). */
export class InventoryReleased extends Event<{ orderId: string; released: boolean }> {
  static readonly type = 'inventory.InventoryReleased';
}

/**
 * Take an order's reserved units out of stock for good (they were shipped); answered by
 * ReservationShipped. A no-op success when the order holds no stock: none reserved, or released.
 */
export class ShipReservation extends Command<{ orderId: string }> {
  static readonly type = 'inventory.ShipReservation';
  static readonly grpc: GrpcCall<ShipReservation, object, { shipped: boolean }> = {
    service: 'inventory.v1.InventoryService',
    method: 'ShipReservation',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId }),
    reply: (r, { data }) => new ReservationShipped({ orderId: data.orderId, shipped: r.shipped }),
  };
}

/** `shipped`: the order's reservation is SHIPPED, its units gone from stock (false when it held none). */
export class ReservationShipped extends Event<{ orderId: string; shipped: boolean }> {
  static readonly type = 'inventory.ReservationShipped';
}

/**
 * Check, changing nothing, that an order's stock is still held for it: its reservation is
 * RESERVED and holds at least `lines`. Answered by ReservationVerified or ReservationNotVerified.
 */
export class VerifyReservation extends Command<{ orderId: string; lines: StockLine[] }> {
  static readonly type = 'inventory.VerifyReservation';
  static readonly grpc: GrpcCall<VerifyReservation, object, { verified: boolean; reservationId: string; reason: string }> = {
    service: 'inventory.v1.InventoryService',
    method: 'VerifyReservation',
    request: ({ data }, idempotencyKey) => ({ idempotencyKey, orderId: data.orderId, lines: data.lines }),
    reply: (r, { data }) =>
      r.verified ? new ReservationVerified({ orderId: data.orderId, reservationId: r.reservationId }) : new ReservationNotVerified({ orderId: data.orderId, reason: r.reason as ReservationRefusal }),
  };
}

export class ReservationVerified extends Event<{ orderId: string; reservationId: string }> {
  static readonly type = 'inventory.ReservationVerified';
}

/** NOT_RESERVED: the order holds no stock (none reserved, rejected, released or shipped); LINES_NOT_COVERED: fewer units than its lines. */
export type ReservationRefusal = 'NOT_RESERVED' | 'LINES_NOT_COVERED';

/** A business "no" to a verification: the stock the order needs is not (all) held for it. */
export class ReservationNotVerified extends Event<{ orderId: string; reason: ReservationRefusal }> {
  static readonly type = 'inventory.ReservationNotVerified';
}

export interface StockView {
  id: string;
  name: string;
  price: string;
  available: number;
  reserved: number;
  shipped: number;
}

/** In-process query: a product's stock, or InventoryError PRODUCT_NOT_FOUND. */
export class GetStock {
  constructor(readonly productId: string) {}
}

registerMessages(ReserveInventory, InventoryReserved, InventoryRejected, ReleaseInventory, InventoryReleased, ShipReservation, ReservationShipped, VerifyReservation, ReservationVerified, ReservationNotVerified);
