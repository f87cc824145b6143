import { ModuleError } from '../errors/module-error.js';

export type SagaErrorCode =
  | 'SAGA_NOT_FOUND'
  | 'SAGA_NOT_FAILED'
  | 'INVALID_CURSOR'
  /** `sagaType` names no registered saga type. */
  | 'SAGA_TYPE_NOT_FOUND'
  /** `sagaType` is registered but declares no payload: only its own module starts it. */
  | 'SAGA_TYPE_NOT_STARTABLE'
  | 'IDEMPOTENCY_KEY_REUSED';

export class SagaError extends ModuleError<SagaErrorCode> {}
