import type { Command, Message } from '../../messaging/message.js';
import { isFailure, type SagaDefinition } from './saga-definition.js';

export type SagaStatus = 'STARTED' | 'RUNNING' | 'COMPLETED' | 'COMPENSATING' | 'COMPENSATED' | 'FAILED';
export type StepAction = 'execute' | 'compensate';

/** What the engine persists of a running saga, minus ids and bookkeeping. */
export interface SagaState<D> {
  status: SagaStatus;
  /** Index of the step being executed or compensated. */
  step: number;
  data: D;
  failureReason: string | null;
}

/** A step attempt the decision finished or started, for the saga's history. */
export interface StepRecord {
  step: string;
  action: StepAction;
  status: 'SUCCEEDED' | 'FAILED';
  message: string | null;
}

/** The outcome of a start or a reply: the new state, what is recorded, and what is sent next. */
export interface Decision<D> {
  state: SagaState<D>;
  /** Step attempts that finished, oldest first (the answered one, and steps done without a command). */
  finished: StepRecord[];
  next?: { step: string; action: StepAction; command: Command };
}

export const TERMINAL: readonly SagaStatus[] = ['COMPLETED', 'COMPENSATED', 'FAILED'];

/** Starts a saga: steps without a command are done already; the first with one is sent. */
export function startSaga<D>(definition: SagaDefinition<D>, data: D): Decision<D> {
  return executeFrom(definition, { status: 'STARTED', step: 0, data, failureReason: null }, 0, []);
}

/**
 * Applies the reply to the step in progress. Pure: the engine has already checked that the
 * reply answers the command the saga is waiting for.
 */
export function applyReply<D>(definition: SagaDefinition<D>, state: SagaState<D>, reply: Message): Decision<D> {
  const step = definition.steps[state.step];
  if (state.status === 'COMPENSATING') {
    // A compensation cannot say no: any reply means it is done.
    const done: StepRecord = { step: step.name, action: 'compensate', status: 'SUCCEEDED', message: reply.type };
    return compensateFrom(definition, state, state.step - 1, [done]);
  }
  if (state.status !== 'STARTED' && state.status !== 'RUNNING') {
    throw new Error(`saga is ${state.status}; it expects no reply`);
  }
  const handle = step.onReply?.[reply.type];
  if (!handle) throw new Error(`step ${step.name} does not expect ${reply.type}`);
  const result = handle(state.data, reply);
  if (isFailure(result)) {
    const failed: StepRecord = { step: step.name, action: 'execute', status: 'FAILED', message: result.failed };
    // The failed step said no, so it did not happen: undo only the steps before it.
    return compensateFrom(definition, { ...state, failureReason: result.failed }, state.step - 1, [failed]);
  }
  const done: StepRecord = { step: step.name, action: 'execute', status: 'SUCCEEDED', message: reply.type };
  return executeFrom(definition, { ...state, status: 'RUNNING', data: result }, state.step + 1, [done]);
}

function executeFrom<D>(definition: SagaDefinition<D>, state: SagaState<D>, from: number, finished: StepRecord[]): Decision<D> {
  for (let i = from; i < definition.steps.length; i++) {
    const step = definition.steps[i];
    if (step.invoke) {
      return { state: { ...state, step: i }, finished, next: { step: step.name, action: 'execute', command: step.invoke(state.data) } };
    }
    finished = [...finished, { step: step.name, action: 'execute', status: 'SUCCEEDED', message: null }];
  }
  return { state: { ...state, status: 'COMPLETED', step: definition.steps.length - 1 }, finished };
}

/** Compensations run newest first; steps with nothing to undo are passed over. */
function compensateFrom<D>(definition: SagaDefinition<D>, state: SagaState<D>, from: number, finished: StepRecord[]): Decision<D> {
  const reason = state.failureReason ?? 'UNKNOWN';
  for (let i = from; i >= 0; i--) {
    const step = definition.steps[i];
    if (step.compensate) {
      return {
        state: { ...state, status: 'COMPENSATING', step: i },
        finished,
        next: { step: step.name, action: 'compensate', command: step.compensate(state.data, reason) },
      };
    }
  }
  return { state: { ...state, status: 'COMPENSATED', step: Math.max(from, 0) }, finished };
}
