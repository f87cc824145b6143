import { Module } from '@nestjs/common';
import { CreateProductHandler } from './create-product.handler.js';
import { GetStockHandler } from './get-stock.handler.js';
import { InventoryController } from './inventory.controller.js';
import { InventoryGrpcController } from './inventory.grpc.controller.js';
import { ReleaseInventoryHandler } from './release-inventory.handler.js';
import { ReserveInventoryHandler } from './reserve-inventory.handler.js';
import { ShipReservationHandler } from './ship-reservation.handler.js';
import { VerifyReservationHandler } from './verify-reservation.handler.js';

@Module({
  controllers: [InventoryController, InventoryGrpcController],
  providers: [ReserveInventoryHandler, ReleaseInventoryHandler, ShipReservationHandler, VerifyReservationHandler, CreateProductHandler, GetStockHandler],
})
export class InventoryModule {}
