import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryContext } from '../messaging/delivery-context.js';
import { Participant } from '../messaging/participant.js';
import type { Shipment } from './shipment.entity.js';
import { insertShipmentOnce, findShipmentForUpdate } from './shipping.repository.js';
import { CreateShipment, ShipmentCreated, ShipmentRejected, type ShippingAddress } from './shipping.messages.js';

export const SHIPPING_CONSUMER = 'shipping';

/** The reason of a shipment whose cancel came before it was created: the tombstone's. */
export const CANCELLED_BEFORE_CREATED = 'CANCELLED_BEFORE_CREATED';

export type ShipmentReply = ShipmentCreated | ShipmentRejected;

@CommandHandler(CreateShipment)
export class CreateShipmentHandler implements ICommandHandler<CreateShipment, ShipmentReply> {
  constructor(
    private readonly participant: Participant,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates an order's shipment at most once: the row per order decides, so asked again (a
   * redelivery, a retry, a gRPC call with its own id) it answers with the first outcome, and a
   * rejection stays a rejection even if SHIPPING_COUNTRIES changed meanwhile.
   */
  execute(cmd: CreateShipment): Promise<ShipmentReply> {
    const { orderId, address, lines } = cmd.data;
    return this.participant.answer(SHIPPING_CONSUMER, cmd, DeliveryContext.of(cmd), async (tx) => {
      const existing = await findShipmentForUpdate(tx, orderId);
      if (existing) return replyFor(existing);
      const reason = refusal(address, this.config.shippingCountries);
      const shipment = await insertShipmentOnce(tx, {
        id: randomUUID(),
        orderId,
        status: reason ? 'REJECTED' : 'CREATED',
        reason,
        street: address?.street ?? null,
        city: address?.city ?? null,
        state: address?.state || null,
        zipCode: address?.zipCode ?? null,
        country: address?.country.toUpperCase() ?? null,
        lines,
        units: lines.reduce((sum, l) => sum + l.quantity, 0),
      });
      return replyFor(shipment);
    });
  }
}

/** The demo rule: an address is needed, in one of SHIPPING_COUNTRIES when that is set. */
function refusal(address: ShippingAddress | undefined, countries: string[]): string | null {
  if (!address) return 'ADDRESS_MISSING';
  if (countries.length > 0 && !countries.includes(address.country.toUpperCase())) return 'COUNTRY_NOT_SERVED';
  return null;
}

function replyFor(s: Shipment): ShipmentReply {
  if (s.status === 'REJECTED') return new ShipmentRejected({ orderId: s.orderId, reason: s.reason ?? 'REJECTED' });
  if (s.status === 'CANCELLED' && s.reason === CANCELLED_BEFORE_CREATED) return new ShipmentRejected({ orderId: s.orderId, reason: 'CANCELLED' });
  // A CANCELLED shipment (not a tombstone) was created first: the creation itself succeeded.
  return new ShipmentCreated({ orderId: s.orderId, shipmentId: s.id });
}
