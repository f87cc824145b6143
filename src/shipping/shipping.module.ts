import { Module } from '@nestjs/common';
import { CancelShipmentHandler } from './cancel-shipment.handler.js';
import { CreateShipmentHandler } from './create-shipment.handler.js';
import { GetShipmentHandler } from './get-shipment.handler.js';
import { ShippingController } from './shipping.controller.js';
import { ShippingGrpcController } from './shipping.grpc.controller.js';

@Module({
  controllers: [ShippingController, ShippingGrpcController],
  providers: [CreateShipmentHandler, CancelShipmentHandler, GetShipmentHandler],
})
export class ShippingModule {}
