import type { Command, Message } from '../../messaging/message.js';
import { groupEnd, isFailure, type SagaDefinition } from './saga-definition.js';
import { type GroupProgress, groupDeadline, groupOutcome, memberFailures, memberReply, startGroup } from './saga-group.js';

export type SagaStatus = 'STARTED' | 'RUNNING' | 'COMPLETED' | 'COMPENSATING' | 'COMPENSATED' | 'FAILED';
export type StepAction = 'execute' | 'compensate';

/** What the engine persists of a running saga, minus ids and bookkeeping. */
export interface SagaState<D> {
  status: SagaStatus;
  /** Index of the step being executed or compensated. */
  step: number;
  data: D;
  failureReason: string | null;
  /** Attempt number of the awaited command. */
  attempt: number;
  /** Message id of the awaited command; a retry re-sends it unchanged. */
  awaiting: string | null;
  lastError: string | null;
  /** The members of the parallel group in flight (none outside a group; `awaiting` is then null). */
  members?: GroupMember[];
  /** Steps that did not happen, never compensated: passed over by `when`, or group members that said no. */
  notDone?: string[];
}

/** One member of the parallel group in flight. */
export interface GroupMember {
  /** Its step's index. */
  step: number;
  /** SUCCEEDED; REFUSED: said no (did not happen); GAVE_UP: failed past its attempts (may have happened). */
  status: 'PENDING' | 'SUCCEEDED' | 'REFUSED' | 'GAVE_UP';
  attempt: number;
  /** Its command's message id; a retry re-sends it unchanged. */
  awaiting: string;
  /**
   * When its reply is due at the latest (epoch ms, by the clock of the instance that sent it):
   * stamped by the engine as it sends the command. Clocks apart only shift which members count as
   * due; the saga's timer (database clock) always times out at least the earliest.
   */
  dueAt: number;
}

/** A step attempt the decision finished, for the saga's history. */
export interface StepRecord {
  step: string;
  action: StepAction;
  status: 'SUCCEEDED' | 'FAILED';
  message: string | null;
  /** The attempt and command it answered, when that attempt has no open history row of its own. */
  attempt?: number;
  messageId?: string | null;
}

/** The outcome of a start, a reply or a failure: the new state, what is recorded, and what is sent next. */
export interface Decision<D> {
  state: SagaState<D>;
  /** Step attempts that finished, oldest first (the answered one, and steps done without a command). */
  finished: StepRecord[];
  /** The next command; `attempt` > 1 means a retry of the awaited one (same message id). */
  next?: NextCommand;
  /** In a parallel group: the commands to send now (the members, or a member's retry); `next` is then absent. */
  parallel?: NextCommand[];
  /**
   * In a parallel group: the members' attempts this decision finished, each closing its own open
   * history row; `finished` then holds only rows of their own.
   */
  answered?: AnsweredRecord[];
}

export interface NextCommand {
  step: string;
  action: StepAction;
  command: Command;
  attempt: number;
}

export type AnsweredRecord = StepRecord & { attempt: number; messageId: string };

/** A technical failure of the awaited command: it threw, or its reply did not come in time. */
export interface TechnicalFailure {
  kind: 'ERROR' | 'TIMEOUT';
  message: string;
}

export const TERMINAL: readonly SagaStatus[] = ['COMPLETED', 'COMPENSATED', 'FAILED'];

export function isExecuting(status: SagaStatus): boolean {
  return status === 'STARTED' || status === 'RUNNING';
}

/** Starts a saga: steps without a command are done already; the first with one is sent. */
export function startSaga<D>(definition: SagaDefinition<D>, data: D): Decision<D> {
  const state: SagaState<D> = { status: 'STARTED', step: 0, data, failureReason: null, attempt: 1, awaiting: null, lastError: null };
  return executeFrom(definition, state, 0, []);
}

/**
 * Applies the reply to the step in progress. Pure: the engine has already checked that the
 * reply answers the command the saga is waiting for.
 */
export function applyReply<D>(definition: SagaDefinition<D>, state: SagaState<D>, reply: Message): Decision<D> {
  const step = definition.steps[state.step];
  if (state.status === 'COMPENSATING' || state.status === 'FAILED') {
    // A compensation cannot say no: any reply means it is done (even one that comes after the saga FAILED).
    const done: StepRecord = { step: step.name, action: 'compensate', status: 'SUCCEEDED', message: reply.type };
    return compensateFrom(definition, { ...state, status: 'COMPENSATING' }, state.step - 1, [done]);
  }
  if (!isExecuting(state.status)) throw new Error(`saga is ${state.status}; it expects no reply`);
  if (state.members) return settle(definition, memberReply(definition, state, reply));
  const handle = step.onReply?.[reply.type];
  if (!handle) throw new Error(`step ${step.name} does not expect ${reply.type}`);
  const result = handle(state.data, reply);
  if (isFailure(result)) {
    const failed: StepRecord = { step: step.name, action: 'execute', status: 'FAILED', message: result.failed };
    if (step.critical === false) return skipFailed(definition, state, failed);
    // The failed step said no, so it did not happen: undo only the steps before it.
    return compensateFrom(definition, { ...state, failureReason: result.failed }, state.step - 1, [failed]);
  }
  const done: StepRecord = { step: step.name, action: 'execute', status: 'SUCCEEDED', message: reply.type };
  return executeFrom(definition, { ...state, status: 'RUNNING', data: result }, state.step + 1, [done]);
}

/**
 * A step that cannot be undone (it has a command but no compensation, like confirm-order)
 * comes after the point of no return: it is retried until it succeeds, and the saga's
 * deadline no longer applies.
 */
export function isRetriable<D>(definition: SagaDefinition<D>, state: SagaState<D>): boolean {
  const step = definition.steps[state.step];
  return isExecuting(state.status) && !!step.invoke && !step.compensate && step.critical !== false;
}

/**
 * A technical failure of the awaited command. Below `maxAttempts` the same command is sent
 * again (same message id: the participant applies it at most once). Past it, an executing step
 * is compensated too, since it may have happened (a timeout, a commit whose answer was lost);
 * a compensation that keeps failing leaves the saga FAILED, for a person.
 */
export function applyFailure<D>(definition: SagaDefinition<D>, state: SagaState<D>, failure: TechnicalFailure, maxAttempts: number): Decision<D> {
  if (state.members) throw new Error('a parallel group is in flight: its technical failures go to applyMemberFailures');
  const step = definition.steps[state.step];
  const compensating = state.status === 'COMPENSATING';
  const action: StepAction = compensating ? 'compensate' : 'execute';
  const failed: StepRecord = { step: step.name, action, status: 'FAILED', message: `${failure.kind}: ${failure.message}` };
  const failedState = { ...state, lastError: failed.message };
  if (state.attempt < maxAttempts || isRetriable(definition, state)) {
    const command = commandOf(definition, state, action);
    return { state: { ...failedState, attempt: state.attempt + 1 }, finished: [failed], next: { step: step.name, action, command, attempt: state.attempt + 1 } };
  }
  if (compensating) return { state: { ...failedState, status: 'FAILED' }, finished: [failed] };
  if (step.critical === false) return skipFailed(definition, failedState, failed);
  const reason = `${step.name.toUpperCase().replace(/-/g, '_')}_${failure.kind === 'TIMEOUT' ? 'TIMED_OUT' : 'FAILED'}`;
  return compensateFrom(definition, { ...failedState, failureReason: reason }, state.step, [failed]);
}

/** The whole saga ran out of time: a saga still executing compensates, the current step included. */
export function applyDeadline<D>(definition: SagaDefinition<D>, state: SagaState<D>): Decision<D> | null {
  // Compensations run to the end, however long; so does a step past the point of no return.
  if (!isExecuting(state.status) || isRetriable(definition, state)) return null;
  if (state.members) return settle(definition, groupDeadline(definition, state));
  const step = definition.steps[state.step];
  const failed: StepRecord = { step: step.name, action: 'execute', status: 'FAILED', message: 'TIMEOUT: saga deadline passed' };
  if (step.critical === false) return skipFailed(definition, { ...state, lastError: failed.message }, failed);
  return compensateFrom(definition, { ...state, failureReason: 'SAGA_TIMED_OUT', lastError: failed.message }, state.step, [failed]);
}

/**
 * Technical failures of members of the parallel group in flight, each answering the command
 * `messageId` (the command threw, or timed out): see `memberFailures`. Once no member is in flight,
 * the saga goes past the group, or compensates it.
 */
export function applyMemberFailures<D>(
  definition: SagaDefinition<D>,
  state: SagaState<D>,
  failures: { messageId: string; failure: TechnicalFailure }[],
  maxAttempts: (step: number) => number,
): Decision<D> {
  return settle(definition, memberFailures(definition, state, failures, maxAttempts));
}

/**
 * What a group does after an event: waits while a member is in flight; once none is, goes on with
 * the step after it, or, if a critical member failed, compensates newest first the members that
 * succeeded or may have happened (not those that said no), then the steps before.
 */
function settle<D>(definition: SagaDefinition<D>, { state, answered, sends }: GroupProgress<D>): Decision<D> {
  const members = state.members!;
  const outcome = groupOutcome(definition, members);
  if (outcome === 'PENDING') return { state, finished: [], answered, ...(sends.length > 0 && { parallel: sends }) };
  const last = groupEnd(definition, state.step);
  const done = { ...state, members: undefined };
  const decision =
    outcome === 'SUCCEEDED'
      ? executeFrom(definition, { ...done, status: 'RUNNING' }, last + 1, [])
      : compensateFrom(definition, { ...done, notDone: [...(state.notDone ?? []), ...members.filter((m) => m.status === 'REFUSED').map((m) => definition.steps[m.step].name)] }, last, []);
  return { ...decision, answered };
}

/** A person resumes a FAILED saga: its compensation is tried again, with a fresh count of attempts. */
export function resumeFailed<D>(definition: SagaDefinition<D>, state: SagaState<D>): Decision<D> {
  if (state.status !== 'FAILED') throw new Error(`saga is ${state.status}, not FAILED`);
  const step = definition.steps[state.step];
  const resumed = { ...state, status: 'COMPENSATING' as const, attempt: 1 };
  return { state: resumed, finished: [], next: { step: step.name, action: 'compensate', command: commandOf(definition, state, 'compensate'), attempt: 1 } };
}

/**
 * Backoff before attempt n (of a command, or of handling a poisoned saga): exponential from
 * `retryDelayMs`, capped, with jitter (half fixed, half random).
 */
export function retryDelayMs(attempt: number, { retryDelayMs, maxRetryDelayMs }: { retryDelayMs: number; maxRetryDelayMs: number }, random = Math.random): number {
  if (attempt <= 1) return 0;
  const backoff = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt - 2, 20));
  return Math.round(backoff / 2 + random() * (backoff / 2));
}

/** What a saga's poisoning decides: its state, and whether it is tried again or FAILED. */
export interface Poisoning<D> {
  state: SagaState<D>;
  /** Tried again after a backoff; else FAILED, for a person. */
  retry: boolean;
  /** Once FAILED: the status it had, which a person's retry resumes. */
  poisonedIn: SagaStatus | null;
}

/**
 * Handling the saga's timer or a reply threw: its type is no longer registered, its step no
 * longer exists, or a function of its definition throws. Only this saga waits: it is tried again
 * after a backoff while its `attempts` (this one included) are below `maxAttempts`; then it is
 * FAILED with the error kept, remembering where it was for a person's retry.
 */
export function applyPoison<D>(state: SagaState<D>, error: string, attempts: number, maxAttempts: number): Poisoning<D> {
  const lastError = `POISONED: ${error}`;
  if (attempts < maxAttempts) return { state: { ...state, lastError }, retry: true, poisonedIn: null };
  return { state: { ...state, status: 'FAILED', lastError }, retry: false, poisonedIn: state.status };
}

/**
 * A person resumes a saga FAILED because it could not be handled, once the cause is fixed: it is
 * back where it was (executing or compensating the same step, awaiting the same command), and
 * what it could not handle (its timer, or the reply it holds) is tried again at once.
 */
export function resumePoisoned<D>(state: SagaState<D>, poisonedIn: SagaStatus): SagaState<D> {
  if (state.status !== 'FAILED') throw new Error(`saga is ${state.status}, not FAILED`);
  return { ...state, status: poisonedIn };
}

/** The command of the step in progress, with the awaited message id: a retry is the same message. */
function commandOf<D>(definition: SagaDefinition<D>, state: SagaState<D>, action: StepAction): Command {
  const step = definition.steps[state.step];
  const command = action === 'execute' ? step.invoke!(state.data) : step.compensate!(state.data, state.failureReason ?? 'UNKNOWN');
  if (state.awaiting) command.meta.messageId = state.awaiting;
  return command;
}

function executeFrom<D>(definition: SagaDefinition<D>, state: SagaState<D>, from: number, finished: StepRecord[]): Decision<D> {
  for (let i = from; i < definition.steps.length; i++) {
    const step = definition.steps[i];
    if (step.parallel) {
      const group = startGroup(definition, state, i);
      state = withNotDone(state, group.notDone);
      if (group.members.length > 0) return { state: { ...state, step: i, attempt: 1, awaiting: null, members: group.members }, finished, parallel: group.sends };
      i = group.last;
      continue;
    }
    if (step.when && !step.when(state.data)) {
      state = withNotDone(state, [...(state.notDone ?? []), step.name]); // passed over: not recorded, never compensated
      continue;
    }
    if (step.invoke) {
      const command = step.invoke(state.data);
      return {
        state: { ...state, step: i, attempt: 1, awaiting: command.meta.messageId },
        finished,
        next: { step: step.name, action: 'execute', command, attempt: 1 },
      };
    }
    finished = [...finished, { step: step.name, action: 'execute', status: 'SUCCEEDED', message: null }];
  }
  return { state: { ...state, status: 'COMPLETED', step: definition.steps.length - 1, awaiting: null }, finished };
}

/** A step that is not critical failed (`failed`): recorded, and the saga goes on with the next one. */
function skipFailed<D>(definition: SagaDefinition<D>, state: SagaState<D>, failed: StepRecord): Decision<D> {
  return executeFrom(definition, { ...state, status: 'RUNNING' }, state.step + 1, [failed]);
}

function withNotDone<D>(state: SagaState<D>, notDone: string[]): SagaState<D> {
  return notDone.length > 0 ? { ...state, notDone } : state;
}

/** Compensations run newest first; steps with nothing to undo, or that did not happen, are passed over. */
function compensateFrom<D>(definition: SagaDefinition<D>, state: SagaState<D>, from: number, finished: StepRecord[]): Decision<D> {
  const reason = state.failureReason ?? 'UNKNOWN';
  for (let i = from; i >= 0; i--) {
    const step = definition.steps[i];
    if (step.compensate && !state.notDone?.includes(step.name)) {
      const command = step.compensate(state.data, reason);
      return {
        state: { ...state, status: 'COMPENSATING', step: i, attempt: 1, awaiting: command.meta.messageId },
        finished,
        next: { step: step.name, action: 'compensate', command, attempt: 1 },
      };
    }
  }
  return { state: { ...state, status: 'COMPENSATED', step: Math.max(from, 0), awaiting: null }, finished };
}
