import { InventoryError, type InventoryErrorCode } from '../inventory/inventory.errors.js';
import { MessagingError, type MessagingErrorCode } from '../messaging/messaging.errors.js';
import { OrderError, type OrderErrorCode } from '../order/order.errors.js';
import { PaymentError, type PaymentErrorCode } from '../payment/payment.errors.js';
import { SagaError, type SagaErrorCode } from '../saga/saga.errors.js';

/** Every business error code of every module; each transport maps all of them. */
export type ModuleErrorCode = OrderErrorCode | InventoryErrorCode | PaymentErrorCode | SagaErrorCode | MessagingErrorCode;

export type ModuleError = OrderError | InventoryError | PaymentError | SagaError | MessagingError;

export function isModuleError(error: unknown): error is ModuleError {
  return (
    error instanceof OrderError ||
    error instanceof InventoryError ||
    error instanceof PaymentError ||
    error instanceof SagaError ||
    error instanceof MessagingError
  );
}
