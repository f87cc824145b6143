import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { InventoryReleased, ReleaseInventory } from './inventory.messages.js';
import { INVENTORY_CONSUMER } from './reserve-inventory.handler.js';
import { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, insertReservation, moveStock } from './stock.repository.js';

@CommandHandler(ReleaseInventory)
export class ReleaseInventoryHandler implements ICommandHandler<ReleaseInventory, InventoryReleased> {
  constructor(private readonly participant: Participant) {}

  /**
   * Gives held stock back once; with nothing held it leaves a tombstone (a late reservation is
   * refused) and succeeds. A SHIPPED reservation's units have left the warehouse: its release is a
   * no-op success that answers `released: false` (getting goods back is a return, not a release).
   */
  execute(cmd: ReleaseInventory): Promise<InventoryReleased> {
    const { orderId } = cmd.data;
    return this.participant.answer(INVENTORY_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const reservation = await findReservationForUpdate(tx, orderId);
      if (!reservation) {
        await insertReservation(tx, { orderId, id: randomUUID(), status: 'RELEASED', lines: [], reason: 'RELEASED_BEFORE_RESERVED' });
      } else if (reservation.status === 'RESERVED') {
        await moveStock(tx, reservation.lines, 1);
        await tx.update(Reservation, { orderId }, { status: 'RELEASED' });
      }
      // Says whether stock held for the order is back, so a repeated release answers the same.
      const released = (reservation?.status === 'RESERVED' || reservation?.status === 'RELEASED') && reservation.lines.length > 0;
      return new InventoryReleased({ orderId, released });
    });
  }
}
