export type SagaErrorCode = 'SAGA_NOT_FOUND';

export class SagaError extends Error {
  constructor(
    readonly code: SagaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SagaError';
  }
}
