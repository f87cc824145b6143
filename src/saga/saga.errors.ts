export type SagaErrorCode = 'SAGA_NOT_FOUND' | 'SAGA_NOT_FAILED' | 'INVALID_CURSOR';

export class SagaError extends Error {
  constructor(
    readonly code: SagaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SagaError';
  }
}
