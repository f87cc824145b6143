import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../messaging/fault-injector.js';
import { Inbox } from '../messaging/inbox.js';
import { Outbox } from '../messaging/outbox.js';
import { InventoryReleased, ReleaseInventory } from './inventory.messages.js';
import { INVENTORY_CONSUMER } from './reserve-inventory.handler.js';
import { Reservation } from './reservation.entity.js';
import { findReservationForUpdate, moveStock } from './stock.repository.js';

@CommandHandler(ReleaseInventory)
export class ReleaseInventoryHandler implements ICommandHandler<ReleaseInventory, InventoryReleased> {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly faults: FaultInjector,
  ) {}

  /** Gives held stock back once; with nothing held it leaves a tombstone (a late reservation is refused) and succeeds. */
  async execute(cmd: ReleaseInventory): Promise<InventoryReleased> {
    await this.faults.inject(cmd); // off unless configured: a technical failure before any effect
    const { orderId } = cmd.data;
    return this.db.transaction(async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, INVENTORY_CONSUMER, cmd);
      const reservation = await findReservationForUpdate(tx, orderId);
      if (!reservation) {
        await tx.insert(Reservation, { orderId, id: randomUUID(), status: 'RELEASED', lines: [], reason: 'RELEASED_BEFORE_RESERVED' });
      } else if (reservation.status === 'RESERVED') {
        await moveStock(tx, reservation.lines, 1);
        await tx.update(Reservation, { orderId }, { status: 'RELEASED' });
      }
      // Says whether stock held for the order is back, so a repeated release answers the same.
      const released = reservation !== null && reservation.status !== 'REJECTED' && reservation.lines.length > 0;
      const reply = new InventoryReleased({ orderId, released }).causedBy(cmd);
      if (firstTime) await this.outbox.add(tx, reply);
      return reply;
    });
  }
}
