import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Requires } from '../auth/requires.decorator.js';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { ShipmentOrderParams } from './dto/shipment-params.dto.js';
import { ShipmentViewDto } from './dto/shipment-view.dto.js';
import { GetShipment, type ShipmentView } from './shipping.messages.js';

@ApiTags('shipments')
@Controller('orders')
export class ShippingController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/shipment')
  @Requires('business.read')
  @ApiOperation({ summary: "An order's shipment: CREATED, REJECTED or CANCELLED" })
  @ApiOkResponse({ type: ShipmentViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'SHIPMENT_NOT_FOUND: the order has no shipment.' })
  get(@Param() { id: orderId }: ShipmentOrderParams): Promise<ShipmentView> {
    return this.queries.execute(new GetShipment(orderId));
  }
}
