import { ModuleError } from '../errors/module-error.js';

export type OrderErrorCode = 'ORDER_NOT_FOUND' | 'IDEMPOTENCY_KEY_REUSED' | 'INVALID_CURSOR';

export class OrderError extends ModuleError<OrderErrorCode> {}
