import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { errorStatuses } from '../errors/module-error.js';
import type { ModuleManifest } from '../module-manifest.js';
import { IdempotencyKey } from './idempotency-key.entity.js';
import { OrderSchema1763800000000 } from './migrations/1763800000000-order-schema.js';
import { OrderShippingAddress1765200000000 } from './migrations/1765200000000-order-shipping-address.js';
import { OrderItem } from './order-item.entity.js';
import { Order } from './order.entity.js';
import { OrderError } from './order.errors.js';
import { OrderModule } from './order.module.js';

/** Orders: placed over the API, each run by a place-order saga (so `saga` is hosted beside it). */
export const orderManifest = {
  name: 'order',
  module: OrderModule,
  entities: [Order, OrderItem, IdempotencyKey],
  migrations: [OrderSchema1763800000000, OrderShippingAddress1765200000000],
  grpc: { protoFile: 'order.proto', package: 'order.v1' },
  errors: errorStatuses(OrderError, {
    ORDER_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
    IDEMPOTENCY_KEY_REUSED: { http: HttpStatus.UNPROCESSABLE_ENTITY, grpc: GrpcStatus.FAILED_PRECONDITION },
    INVALID_CURSOR: { http: HttpStatus.BAD_REQUEST, grpc: GrpcStatus.INVALID_ARGUMENT },
  }),
} satisfies ModuleManifest;
