import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { errorStatuses } from '../errors/module-error.js';
import type { ModuleManifest } from '../module-manifest.js';
import { InventoryError } from './inventory.errors.js';
import { InventoryModule } from './inventory.module.js';
import { InventorySchema1763800000000 } from './migrations/1763800000000-inventory-schema.js';
import { ShippedStock1765200000000 } from './migrations/1765200000000-shipped-stock.js';
import { Product } from './product.entity.js';
import { Reservation } from './reservation.entity.js';

/** Stock: products and the reservations orders hold on them. */
export const inventoryManifest = {
  name: 'inventory',
  module: InventoryModule,
  entities: [Product, Reservation],
  migrations: [InventorySchema1763800000000, ShippedStock1765200000000],
  grpc: { protoFile: 'inventory.proto', package: 'inventory.v1' },
  errors: errorStatuses(InventoryError, {
    PRODUCT_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
    PRODUCT_EXISTS: { http: HttpStatus.CONFLICT, grpc: GrpcStatus.ALREADY_EXISTS },
  }),
} satisfies ModuleManifest;
