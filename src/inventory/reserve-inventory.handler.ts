import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Participant } from '../messaging/participant.js';
import { InventoryRejected, InventoryReserved, ReserveInventory } from './inventory.messages.js';
import { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, insertReservation, reserveStock } from './stock.repository.js';

export const INVENTORY_CONSUMER = 'inventory';

export type ReserveReply = InventoryReserved | InventoryRejected;

@CommandHandler(ReserveInventory)
export class ReserveInventoryHandler implements ICommandHandler<ReserveInventory, ReserveReply> {
  constructor(private readonly participant: Participant) {}

  /** Reserves every line or none, once per order: asked again, it answers as the first time. */
  execute(cmd: ReserveInventory): Promise<ReserveReply> {
    const { orderId, lines } = cmd.data;
    return this.participant.answer(INVENTORY_CONSUMER, cmd, async (tx) => {
      let reservation = await findReservationForUpdate(tx, orderId);
      if (!reservation) {
        const result = await reserveStock(tx, lines);
        reservation = Object.assign(new Reservation(), {
          orderId,
          id: randomUUID(),
          ...(result.ok
            ? { status: 'RESERVED', lines, reason: null }
            : { status: 'REJECTED', lines: [], reason: `${result.reason}:${result.productId}` }),
        });
        await insertReservation(tx, reservation);
      }
      return replyFor(reservation);
    });
  }
}

function replyFor(r: Reservation): ReserveReply {
  if (r.status === 'RESERVED') return new InventoryReserved({ orderId: r.orderId, reservationId: r.id });
  if (r.status === 'RELEASED') return new InventoryRejected({ orderId: r.orderId, reason: 'RELEASED' });
  const [reason, productId] = (r.reason ?? 'OUT_OF_STOCK').split(':');
  return new InventoryRejected({ orderId: r.orderId, reason, productId });
}
