import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { AuthError, type AuthErrorCode } from '../auth/auth.errors.js';
import { InventoryError, type InventoryErrorCode } from '../inventory/inventory.errors.js';
import { MessagingError, type MessagingErrorCode } from '../messaging/messaging.errors.js';
import { OrderError, type OrderErrorCode } from '../order/order.errors.js';
import { PaymentError, type PaymentErrorCode } from '../payment/payment.errors.js';
import { SagaError, type SagaErrorCode } from '../saga/saga.errors.js';

/** Every business error code of every module. */
export type ModuleErrorCode = AuthErrorCode | OrderErrorCode | InventoryErrorCode | PaymentErrorCode | SagaErrorCode | MessagingErrorCode;

export type ModuleError = AuthError | OrderError | InventoryError | PaymentError | SagaError | MessagingError;

export function isModuleError(error: unknown): error is ModuleError {
  return (
    error instanceof AuthError ||
    error instanceof OrderError ||
    error instanceof InventoryError ||
    error instanceof PaymentError ||
    error instanceof SagaError ||
    error instanceof MessagingError
  );
}

/**
 * What each business error is on each transport. A `Record` over the code union: the compiler
 * refuses a code without its statuses, so no error can reach a client unmapped.
 */
export const ERROR_STATUS: Record<ModuleErrorCode, { http: HttpStatus; grpc: GrpcStatus }> = {
  UNAUTHENTICATED: { http: HttpStatus.UNAUTHORIZED, grpc: GrpcStatus.UNAUTHENTICATED },
  FORBIDDEN: { http: HttpStatus.FORBIDDEN, grpc: GrpcStatus.PERMISSION_DENIED },
  ORDER_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  PRODUCT_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  PAYMENT_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  SAGA_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  DEAD_LETTER_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  IDEMPOTENCY_KEY_REUSED: { http: HttpStatus.UNPROCESSABLE_ENTITY, grpc: GrpcStatus.FAILED_PRECONDITION },
  SAGA_NOT_FAILED: { http: HttpStatus.CONFLICT, grpc: GrpcStatus.FAILED_PRECONDITION },
  PRODUCT_EXISTS: { http: HttpStatus.CONFLICT, grpc: GrpcStatus.ALREADY_EXISTS },
  INVALID_CURSOR: { http: HttpStatus.BAD_REQUEST, grpc: GrpcStatus.INVALID_ARGUMENT },
};
