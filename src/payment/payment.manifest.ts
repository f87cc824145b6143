import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { errorStatuses } from '../errors/module-error.js';
import type { ModuleManifest } from '../module-manifest.js';
import { PaymentSchema1763800000000 } from './migrations/1763800000000-payment-schema.js';
import { Payment } from './payment.entity.js';
import { PaymentError } from './payment.errors.js';
import { PaymentModule } from './payment.module.js';

/** Payments: charges and refunds of orders through the card gateway. */
export const paymentManifest = {
  name: 'payment',
  module: PaymentModule,
  entities: [Payment],
  migrations: [PaymentSchema1763800000000],
  grpc: { protoFile: 'payment.proto', package: 'payment.v1' },
  errors: errorStatuses(PaymentError, {
    PAYMENT_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  }),
} satisfies ModuleManifest;
