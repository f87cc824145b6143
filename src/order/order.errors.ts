export type OrderErrorCode = 'ORDER_NOT_FOUND' | 'IDEMPOTENCY_KEY_REUSED' | 'INVALID_CURSOR';

export class OrderError extends Error {
  constructor(
    readonly code: OrderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OrderError';
  }
}
