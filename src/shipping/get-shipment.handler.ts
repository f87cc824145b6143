import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Shipment } from './shipment.entity.js';
import { ShippingError } from './shipping.errors.js';
import { GetShipment, type ShipmentView, type ShippingAddress } from './shipping.messages.js';

@QueryHandler(GetShipment)
export class GetShipmentHandler implements IQueryHandler<GetShipment, ShipmentView> {
  constructor(private readonly db: DataSource) {}

  async execute({ orderId }: GetShipment): Promise<ShipmentView> {
    const s = await this.db.getRepository(Shipment).findOneBy({ orderId });
    if (!s) throw new ShippingError('SHIPMENT_NOT_FOUND', `No shipment for order ${orderId}`);
    return {
      id: s.id,
      orderId: s.orderId,
      status: s.status,
      reason: s.reason,
      address: addressOf(s),
      lines: s.lines,
      units: s.units,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

function addressOf(s: Shipment): ShippingAddress | null {
  if (s.street === null || s.city === null || s.zipCode === null || s.country === null) return null;
  return { street: s.street, city: s.city, ...(s.state ? { state: s.state } : {}), zipCode: s.zipCode, country: s.country };
}
