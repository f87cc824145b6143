import type { SagaStatus, StepAction } from './engine/saga-transition.js';
import type { StepStatus } from './engine/saga-step.entity.js';

export interface SagaHistoryEntry {
  step: string;
  action: StepAction;
  status: StepStatus;
  attempt: number;
  message: string | null;
  timestamp: string;
  finishedAt: string | null;
  /** The trace the attempt ran in (null when tracing was off). */
  traceId: string | null;
}

/** A saga without its history, as lists show it. */
export interface SagaSummary {
  id: string;
  type: string;
  /** The version of its type's definition it runs on (the one it started with). */
  definitionVersion: number;
  status: SagaStatus;
  currentStep: string;
  orderId: string | null;
  failureReason: string | null;
  /** The last technical failure (exception or timeout), if any. */
  lastError: string | null;
  /** Attempt number of the command the saga waits for. */
  attempt: number;
  /** Handlings of its timer or a reply that threw in a row (its definition cannot handle them); past SAGA_POISON_ATTEMPTS it is FAILED. */
  poisonAttempts: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SagaView extends SagaSummary {
  history: SagaHistoryEntry[];
}

/** In-process query: one saga with its history, or SagaError SAGA_NOT_FOUND. */
export class GetSaga {
  constructor(readonly sagaId: string) {}
}

/** In-process query: sagas newest first, filtered by status and type. */
export class ListSagas {
  constructor(readonly filter: { status?: SagaStatus; type?: string; limit: number; cursor?: string }) {}
}

export interface SagaPage {
  items: SagaSummary[];
  nextCursor: string | null;
}

/** In-process query: how many sagas are in each status, and which types exist. */
export class GetSagaStats {
  constructor(readonly type?: string) {}
}

export interface SagaStats {
  counts: Record<SagaStatus, number>;
  types: string[];
}

/** In-process command: a person resumes a FAILED saga from where it stopped. */
export class RetrySaga {
  constructor(
    readonly sagaId: string,
    /** Who asked (an API key's name), recorded in the saga's history. */
    readonly actor: string,
  ) {}
}

/**
 * In-process command: start a saga of a registered type from a payload its definition's `payload`
 * class validates (not validated yet: the handler validates it, since its class depends on the type).
 */
export class StartSaga {
  constructor(
    readonly sagaType: string,
    readonly payload: unknown,
    readonly idempotencyKey?: string,
  ) {}
}

export interface SagaStartResult {
  sagaId: string;
  sagaType: string;
  /** The version of the type's definition it runs on: the newest registered when it started. */
  version: number;
  /** Where the saga is as this answer is made (`GET /api/v1/sagas/{id}` follows it). */
  status: SagaStatus;
  /** The business resource its start wrote beside it (place-order: the order), or null. */
  resource: object | null;
  /** True when an earlier request with the same Idempotency-Key started this saga. */
  replayed: boolean;
}

/** In-process query: every registered saga type and version, with its steps and payload schema. */
export class ListSagaTypes {}

export interface SagaTypeStepView {
  name: string;
  /** False for the step the starting transaction does (e.g. place-order's order row). */
  hasCommand: boolean;
  hasCompensation: boolean;
  critical: boolean;
  /** The group of steps it runs beside, if any. */
  group: string | null;
  /** True for a step that runs only when the saga's data calls for it (its `when`). */
  conditional: boolean;
}

export interface SagaTypeView {
  type: string;
  version: number;
  /** Whether `StartSaga` can start it: it declares a payload (and this is its newest version). */
  startable: boolean;
  steps: SagaTypeStepView[];
  /** The JSON schema its payload must match, or null for a type that is not started over the API. */
  payloadSchema: object | null;
}
