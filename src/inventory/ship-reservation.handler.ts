import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { ReservationShipped, ShipReservation } from './inventory.messages.js';
import { INVENTORY_CONSUMER } from './reserve-inventory.handler.js';
import { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, shipStock } from './stock.repository.js';

@CommandHandler(ShipReservation)
export class ShipReservationHandler implements ICommandHandler<ShipReservation, ReservationShipped> {
  constructor(private readonly participant: Participant) {}

  /**
   * Moves a RESERVED reservation's units from reserved to shipped once, and marks it SHIPPED.
   * With nothing held (no reservation, rejected, released) nothing moves and it succeeds with
   * `shipped: false`: a released reservation's units are back on the shelf and are not shipped.
   * Leaves no tombstone: shipping is asked only after a reservation succeeded.
   */
  execute(cmd: ShipReservation): Promise<ReservationShipped> {
    const { orderId } = cmd.data;
    return this.participant.answer(INVENTORY_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const reservation = await findReservationForUpdate(tx, orderId);
      if (reservation?.status === 'RESERVED') {
        await shipStock(tx, reservation.lines);
        await tx.update(Reservation, { orderId }, { status: 'SHIPPED' });
      }
      // From the state, so a repeated command answers the same.
      const shipped = reservation?.status === 'RESERVED' || reservation?.status === 'SHIPPED';
      return new ReservationShipped({ orderId, shipped });
    });
  }
}
