import { status } from '@grpc/grpc-js';
import type { ModuleErrorCode } from '../http/module-errors.js';

/** The gRPC status of each business error; the compiler checks that none is missing. */
export function grpcStatusOf(code: ModuleErrorCode): status {
  switch (code) {
    case 'ORDER_NOT_FOUND':
    case 'PRODUCT_NOT_FOUND':
    case 'PAYMENT_NOT_FOUND':
    case 'SAGA_NOT_FOUND':
    case 'DEAD_LETTER_NOT_FOUND':
      return status.NOT_FOUND;
    case 'IDEMPOTENCY_KEY_REUSED':
      return status.FAILED_PRECONDITION;
    case 'SAGA_NOT_FAILED':
      return status.FAILED_PRECONDITION;
    case 'PRODUCT_EXISTS':
      return status.ALREADY_EXISTS;
    case 'INVALID_CURSOR':
      return status.INVALID_ARGUMENT;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}
