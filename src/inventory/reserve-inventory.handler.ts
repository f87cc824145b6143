import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { InventoryRejected, InventoryReserved, ReserveInventory } from './inventory.messages.js';
import { Reservation } from './reservation.entity.js';
import { reserveOnce } from './stock.repository.js';

export const INVENTORY_CONSUMER = 'inventory';

export type ReserveReply = InventoryReserved | InventoryRejected;

@CommandHandler(ReserveInventory)
export class ReserveInventoryHandler implements ICommandHandler<ReserveInventory, ReserveReply> {
  constructor(private readonly participant: Participant) {}

  /** Reserves every line or none, once per order: asked again, it answers as the first time. */
  execute(cmd: ReserveInventory): Promise<ReserveReply> {
    const { orderId, lines } = cmd.data;
    return this.participant.answer(INVENTORY_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => replyFor(await reserveOnce(tx, orderId, lines)));
  }
}

function replyFor(r: Reservation): ReserveReply {
  // A shipped reservation was reserved first: asked again, the reservation still succeeded.
  if (r.status === 'RESERVED' || r.status === 'SHIPPED') return new InventoryReserved({ orderId: r.orderId, reservationId: r.id });
  if (r.status === 'RELEASED') return new InventoryRejected({ orderId: r.orderId, reason: 'RELEASED' });
  const [reason, productId] = (r.reason ?? 'OUT_OF_STOCK').split(':');
  return new InventoryRejected({ orderId: r.orderId, reason, productId });
}
