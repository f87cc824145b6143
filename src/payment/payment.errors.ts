import { ModuleError } from '../errors/module-error.js';

export type PaymentErrorCode = 'PAYMENT_NOT_FOUND';

export class PaymentError extends ModuleError<PaymentErrorCode> {}
