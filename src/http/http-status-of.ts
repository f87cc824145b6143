import { HttpStatus } from '@nestjs/common';
import type { ModuleErrorCode } from './module-errors.js';

/** The HTTP status of each business error; the compiler checks that none is missing. */
export function httpStatusOf(code: ModuleErrorCode): HttpStatus {
  switch (code) {
    case 'ORDER_NOT_FOUND':
    case 'PRODUCT_NOT_FOUND':
    case 'PAYMENT_NOT_FOUND':
    case 'SAGA_NOT_FOUND':
    case 'DEAD_LETTER_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'IDEMPOTENCY_KEY_REUSED':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'SAGA_NOT_FAILED':
      return HttpStatus.CONFLICT;
    case 'PRODUCT_EXISTS':
      return HttpStatus.CONFLICT;
    case 'INVALID_CURSOR':
      return HttpStatus.BAD_REQUEST;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}
