import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import { CANCELLED_BEFORE_CREATED, SHIPPING_CONSUMER } from './create-shipment.handler.js';
import { Shipment } from './shipment.entity.js';
import { insertShipmentOnce, findShipmentForUpdate } from './shipping.repository.js';
import { CancelShipment, ShipmentCancelled } from './shipping.messages.js';

@CommandHandler(CancelShipment)
export class CancelShipmentHandler implements ICommandHandler<CancelShipment, ShipmentCancelled> {
  constructor(private readonly participant: Participant) {}

  /** Cancels a created shipment once; with none created it succeeds, leaving a tombstone if there was no shipment at all. */
  execute(cmd: CancelShipment): Promise<ShipmentCancelled> {
    const { orderId } = cmd.data;
    return this.participant.answer(SHIPPING_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      // With no shipment the cancel came first (the creation timed out and may still arrive):
      // a tombstone refuses the late CreateShipment. A creation that raced in is cancelled below.
      const shipment = (await findShipmentForUpdate(tx, orderId)) ?? (await insertShipmentOnce(tx, tombstone(orderId)));
      if (shipment.status === 'CREATED') await tx.update(Shipment, { id: shipment.id }, { status: 'CANCELLED' });
      // From the state, so a repeated cancel answers the same: true once a created shipment is cancelled.
      const cancelled = (shipment.status === 'CREATED' || shipment.status === 'CANCELLED') && shipment.reason !== CANCELLED_BEFORE_CREATED;
      return new ShipmentCancelled({ orderId, cancelled });
    });
  }
}

function tombstone(orderId: string) {
  return { id: randomUUID(), orderId, status: 'CANCELLED' as const, reason: CANCELLED_BEFORE_CREATED, street: null, city: null, state: null, zipCode: null, country: null, lines: [], units: 0 };
}
