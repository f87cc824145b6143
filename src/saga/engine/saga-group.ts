import type { Message } from '../../messaging/message.js';
import { groupEnd, isFailure, type SagaDefinition } from './saga-definition.js';
import type { AnsweredRecord, GroupMember, NextCommand, SagaState, TechnicalFailure } from './saga-transition.js';

// The members of a parallel group: how each one's reply, failure or the saga's deadline changes
// the group. Pure; `saga-transition` decides, from the result, whether the group is settled.

/** The group after an event: its new state, the members' attempts it finished, the commands to send. */
export interface GroupProgress<D> {
  state: SagaState<D>;
  answered: AnsweredRecord[];
  sends: NextCommand[];
}

/**
 * Starts the group whose first step is `first`: every member whose `when` holds is sent now; the
 * others are not done. Returns no members when none runs.
 */
export function startGroup<D>(definition: SagaDefinition<D>, state: SagaState<D>, first: number): { last: number; notDone: string[]; members: GroupMember[]; sends: NextCommand[] } {
  const last = groupEnd(definition, first);
  const notDone = [...(state.notDone ?? [])];
  const members: GroupMember[] = [];
  const sends: NextCommand[] = [];
  for (let i = first; i <= last; i++) {
    const step = definition.steps[i];
    if (step.when && !step.when(state.data)) {
      notDone.push(step.name);
      continue;
    }
    const command = step.invoke!(state.data);
    members.push({ step: i, status: 'PENDING', attempt: 1, awaiting: command.meta.messageId, dueAt: 0 });
    sends.push({ step: step.name, action: 'execute', command, attempt: 1 });
  }
  return { last, notDone, members, sends };
}

/** The reply of a member in flight: its data update applies at once; a "no" of a critical member fails the group. */
export function memberReply<D>(definition: SagaDefinition<D>, state: SagaState<D>, reply: Message): GroupProgress<D> {
  const member = pendingMember(state, reply.meta.causationId);
  const step = definition.steps[member.step];
  const handle = step.onReply?.[reply.type];
  if (!handle) throw new Error(`step ${step.name} does not expect ${reply.type}`);
  const result = handle(state.data, reply);
  const base = { step: step.name, action: 'execute' as const, attempt: member.attempt, messageId: member.awaiting };
  if (isFailure(result)) {
    const failureReason = state.failureReason ?? (step.critical === false ? null : result.failed);
    return {
      state: { ...withMember(state, { ...member, status: 'REFUSED' }), failureReason },
      answered: [{ ...base, status: 'FAILED', message: result.failed }],
      sends: [],
    };
  }
  return { state: { ...withMember(state, { ...member, status: 'SUCCEEDED' }), data: result }, answered: [{ ...base, status: 'SUCCEEDED', message: reply.type }], sends: [] };
}

/**
 * Technical failures of members in flight (`messageId`: the command that failed). Below its
 * attempts a member's command is sent again (same message id), the others untouched; past them it
 * gave up, and may have happened: a critical one fails the group.
 */
export function memberFailures<D>(
  definition: SagaDefinition<D>,
  state: SagaState<D>,
  failures: { messageId: string; failure: TechnicalFailure }[],
  maxAttempts: (step: number) => number,
): GroupProgress<D> {
  const progress: GroupProgress<D> = { state, answered: [], sends: [] };
  for (const { messageId, failure } of failures) {
    const member = pendingMember(progress.state, messageId);
    const step = definition.steps[member.step];
    const message = `${failure.kind}: ${failure.message}`;
    progress.answered.push({ step: step.name, action: 'execute', status: 'FAILED', message, attempt: member.attempt, messageId });
    const current = { ...progress.state, lastError: message };
    if (member.attempt < maxAttempts(member.step)) {
      const command = step.invoke!(current.data);
      command.meta.messageId = messageId;
      progress.sends.push({ step: step.name, action: 'execute', command, attempt: member.attempt + 1 });
      progress.state = withMember(current, { ...member, attempt: member.attempt + 1, dueAt: 0 });
      continue;
    }
    const reason = `${step.name.toUpperCase().replace(/-/g, '_')}_${failure.kind === 'TIMEOUT' ? 'TIMED_OUT' : 'FAILED'}`;
    const failureReason = current.failureReason ?? (step.critical === false ? null : reason);
    progress.state = { ...withMember(current, { ...member, status: 'GAVE_UP' }), failureReason };
  }
  return progress;
}

/** The saga's deadline passed during the group: nothing more is awaited; the members in flight may have happened. */
export function groupDeadline<D>(definition: SagaDefinition<D>, state: SagaState<D>): GroupProgress<D> {
  const message = 'TIMEOUT: saga deadline passed';
  const pending = state.members!.filter((m) => m.status === 'PENDING');
  const critical = pending.some((m) => definition.steps[m.step].critical !== false);
  return {
    state: {
      ...state,
      members: state.members!.map((m) => (m.status === 'PENDING' ? { ...m, status: 'GAVE_UP' } : m)),
      failureReason: state.failureReason ?? (critical ? 'SAGA_TIMED_OUT' : null),
      lastError: message,
    },
    answered: pending.map((m) => ({ step: definition.steps[m.step].name, action: 'execute', status: 'FAILED', message, attempt: m.attempt, messageId: m.awaiting })),
    sends: [],
  };
}

/** Whether the group waits for members still in flight, or went through (every critical member succeeded), or failed. */
export function groupOutcome<D>(definition: SagaDefinition<D>, members: GroupMember[]): 'PENDING' | 'SUCCEEDED' | 'FAILED' {
  if (members.some((m) => m.status === 'PENDING')) return 'PENDING';
  const failed = members.some((m) => m.status !== 'SUCCEEDED' && definition.steps[m.step].critical !== false);
  return failed ? 'FAILED' : 'SUCCEEDED';
}

/** The member awaiting `messageId`; the engine has checked that there is one. */
function pendingMember<D>(state: SagaState<D>, messageId: string | null | undefined): GroupMember {
  const member = state.members?.find((m) => m.status === 'PENDING' && m.awaiting === messageId);
  if (!member) throw new Error(`no member of the group in flight awaits ${messageId}`);
  return member;
}

function withMember<D>(state: SagaState<D>, member: GroupMember): SagaState<D> {
  return { ...state, members: state.members!.map((m) => (m.step === member.step ? member : m)) };
}
