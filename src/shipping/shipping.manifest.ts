import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { errorStatuses } from '../errors/module-error.js';
import type { ModuleManifest } from '../module-manifest.js';
import { ShippingSchema1765200000000 } from './migrations/1765200000000-shipping-schema.js';
import { Shipment } from './shipment.entity.js';
import { ShippingError } from './shipping.errors.js';
import { ShippingModule } from './shipping.module.js';

/** Shipping: one shipment per order, to the order's address. */
export const shippingManifest = {
  name: 'shipping',
  module: ShippingModule,
  entities: [Shipment],
  migrations: [ShippingSchema1765200000000],
  grpc: { protoFile: 'shipping.proto', package: 'shipping.v1' },
  errors: errorStatuses(ShippingError, {
    SHIPMENT_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  }),
} satisfies ModuleManifest;
