import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../messaging/fault-injector.js';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { InventoryRejected, InventoryReserved, ReserveInventory } from './inventory.messages.js';
import { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, reserveStock } from './stock.repository.js';

export const INVENTORY_CONSUMER = 'inventory';

export type ReserveReply = InventoryReserved | InventoryRejected;

@CommandHandler(ReserveInventory)
export class ReserveInventoryHandler implements ICommandHandler<ReserveInventory, ReserveReply> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly faults: FaultInjector,
  ) {}

  /** Reserves every line or none, once per order: asked again, it answers as the first time. */
  async execute(cmd: ReserveInventory): Promise<ReserveReply> {
    await this.faults.inject(cmd); // off unless configured: a technical failure before any effect
    const { orderId, lines } = cmd.data;
    return this.db.transaction(async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, INVENTORY_CONSUMER, cmd);
      let reservation = await findReservationForUpdate(tx, orderId);
      if (!reservation) {
        const result = await reserveStock(tx, lines);
        reservation = tx.create(Reservation, {
          orderId,
          id: randomUUID(),
          ...(result.ok
            ? { status: 'RESERVED', lines, reason: null }
            : { status: 'REJECTED', lines: [], reason: `${result.reason}:${result.productId}` }),
        });
        await tx.insert(Reservation, reservation);
      }
      const reply = replyFor(reservation).causedBy(cmd);
      if (firstTime) await this.outbox.add(tx, reply); // a redelivery's reply is in the outbox already
      return reply;
    });
  }
}

function replyFor(r: Reservation): ReserveReply {
  if (r.status === 'RESERVED') return new InventoryReserved({ orderId: r.orderId, reservationId: r.id });
  if (r.status === 'RELEASED') return new InventoryRejected({ orderId: r.orderId, reason: 'RELEASED' });
  const [reason, productId] = (r.reason ?? 'OUT_OF_STOCK').split(':');
  return new InventoryRejected({ orderId: r.orderId, reason, productId });
}
