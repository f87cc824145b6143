import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { ReservationNotVerified, ReservationVerified, type StockLine, VerifyReservation } from './inventory.messages.js';
import { INVENTORY_CONSUMER } from './reserve-inventory.handler.js';
import type { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, mergeLines } from './stock.repository.js';

export type VerifyReservationReply = ReservationVerified | ReservationNotVerified;

@CommandHandler(VerifyReservation)
export class VerifyReservationHandler implements ICommandHandler<VerifyReservation, VerifyReservationReply> {
  constructor(private readonly participant: Participant) {}

  /**
   * Answers whether the order's stock is still held for it, and changes no stock: only the inbox
   * records the command, so its reply is sent once. It reads the reservation under the lock every
   * command of the order takes, so it answers for a state no other command is half-way through.
   */
  execute(cmd: VerifyReservation): Promise<VerifyReservationReply> {
    const { orderId, lines } = cmd.data;
    return this.participant.answer(INVENTORY_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const reservation = await findReservationForUpdate(tx, orderId);
      if (reservation?.status !== 'RESERVED') return new ReservationNotVerified({ orderId, reason: 'NOT_RESERVED' });
      if (!covers(reservation, lines)) return new ReservationNotVerified({ orderId, reason: 'LINES_NOT_COVERED' });
      return new ReservationVerified({ orderId, reservationId: reservation.id });
    });
  }
}

/** The reservation holds at least each product's units of `lines` (a product listed twice counts once, summed). */
function covers(reservation: Reservation, lines: StockLine[]): boolean {
  const held = new Map(mergeLines(reservation.lines).map((l) => [l.productId, l.quantity]));
  return mergeLines(lines).every((l) => (held.get(l.productId) ?? 0) >= l.quantity);
}
