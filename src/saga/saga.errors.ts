import { ModuleError } from '../errors/module-error.js';

export type SagaErrorCode = 'SAGA_NOT_FOUND' | 'SAGA_NOT_FAILED' | 'INVALID_CURSOR';

export class SagaError extends ModuleError<SagaErrorCode> {}
