import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { AuthError } from '../auth/auth.errors.js';
import { InventoryError } from '../inventory/inventory.errors.js';
import { MessagingError } from '../messaging/messaging.errors.js';
import { MODULES } from '../modules.js';
import { WebhookError } from '../webhooks/webhooks.errors.js';
import { OrderError } from '../order/order.errors.js';
import { PaymentError } from '../payment/payment.errors.js';
import { SagaError } from '../saga/saga.errors.js';
import { errorStatuses } from './module-error.js';
import { ERROR_STATUS, ERROR_TABLES, isModuleError } from './module-errors.js';

const NOT_FOUND = { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND };

describe('module errors', () => {
  it('every code of every registered error class has its statuses, and a code two modules share means the same to a client', () => {
    expect(ERROR_TABLES.map((t) => t.errorClass)).toEqual([AuthError, MessagingError, WebhookError, ...Object.values(MODULES).map((m) => m.errors.errorClass)]);
    for (const { status } of ERROR_TABLES) for (const [code, s] of Object.entries(status)) expect(ERROR_STATUS[code]).toEqual(s);
    expect(ERROR_STATUS.INVALID_CURSOR).toEqual(MODULES.order.errors.status.INVALID_CURSOR);
    expect(ERROR_STATUS.INVALID_CURSOR).toEqual(MODULES.saga.errors.status.INVALID_CURSOR);
  });

  it('an error of any module is a module error, under its own name; anything else is not', () => {
    const errors = [new AuthError('FORBIDDEN', 'x'), new MessagingError('DEAD_LETTER_NOT_FOUND', 'x'), new OrderError('ORDER_NOT_FOUND', 'x'),
      new SagaError('SAGA_NOT_FOUND', 'x'), new InventoryError('PRODUCT_EXISTS', 'x'), new PaymentError('PAYMENT_NOT_FOUND', 'x')];
    expect(errors.map((e) => [isModuleError(e), e.name, ERROR_STATUS[e.code] !== undefined])).toEqual(errors.map((e) => [true, e.constructor.name, true]));
    expect([new Error('x'), { code: 'ORDER_NOT_FOUND' }, null].map(isModuleError)).toEqual([false, false, false]);
  });

  it('the compiler refuses a status table that misses a code or names one the class does not have (checked by tsc)', () => {
    // @ts-expect-error PRODUCT_EXISTS has no statuses
    const missing = errorStatuses(InventoryError, { PRODUCT_NOT_FOUND: NOT_FOUND });
    // @ts-expect-error ORDER_NOT_FOUND is not an inventory code
    const foreign = errorStatuses(InventoryError, { PRODUCT_NOT_FOUND: NOT_FOUND, PRODUCT_EXISTS: NOT_FOUND, ORDER_NOT_FOUND: NOT_FOUND });
    expect([missing.errorClass, foreign.errorClass]).toEqual([InventoryError, InventoryError]);
  });
});
