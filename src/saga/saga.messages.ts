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
}

export interface SagaView {
  id: string;
  type: string;
  status: SagaStatus;
  currentStep: string;
  orderId: string | null;
  failureReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  history: SagaHistoryEntry[];
}

/** In-process query: one saga with its history, or SagaError SAGA_NOT_FOUND. */
export class GetSaga {
  constructor(readonly sagaId: string) {}
}
