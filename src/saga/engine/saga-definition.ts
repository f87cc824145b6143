import type { Command, Message } from '../../messaging/message.js';

/** A business "no" from a participant: the saga compensates, with this reason. */
export interface StepFailure {
  readonly failed: string;
}

/** Maps a participant's reply to the saga's next data, or to a failure. */
export type ReplyHandler<D> = (data: D, reply: Message) => D | StepFailure;

/** One step of a saga: what it asks, how it is undone, and what its replies mean. */
export interface SagaStep<D> {
  name: string;
  /** The command that does the step; a step without one was done by the transaction that started the saga. */
  invoke?: (data: D) => Command;
  /** The command that undoes the step; it must succeed even if the step never happened. */
  compensate?: (data: D, failureReason: string) => Command;
  /** Reply type → meaning. A reply of any other type to this step is an error. */
  onReply?: Record<string, ReplyHandler<D>>;
  /** Attempts of the command on a technical failure (exception, timeout); default SAGA_RETRY_ATTEMPTS. */
  retry?: { attempts: number };
  /** How long to wait for the reply before it counts as a technical failure; default SAGA_STEP_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * `false` for a step whose failure must not undo the saga (a notification): when it says no, or
   * fails past its attempts, or the saga's deadline passes while it runs, its failure is recorded
   * in the history and the saga goes on with the next step. It is never compensated (it declares
   * no compensation) and never makes the saga compensate. Default true.
   */
  critical?: boolean;
  /**
   * Runs the step only when this says so, asked with the saga's data when the step's turn comes
   * (`(d) => !!d.shippingAddress`). A step passed over is not recorded in the history and is never
   * compensated, whatever the data says later.
   */
  when?: (data: D) => boolean;
  /**
   * The name of the parallel group the step belongs to. Consecutive steps with the same name form
   * one group: their commands are sent together (same transaction) and awaited together, and the
   * saga goes past the group once every member has succeeded. See `SagaDefinition.steps`.
   */
  parallel?: string;
}

/** A saga type: a plain list of steps, run in order and compensated newest first. */
export interface SagaDefinition<D> {
  type: string;
  /**
   * Which version of the type this is (a whole number, 1 by default). A saga runs to its end on the
   * version it started with: change the steps of a type with sagas in flight by registering a new
   * version beside the old one, and remove the old one once no saga uses it (`GET /api/v1/sagas?type=`
   * shows each saga's version). A saga whose version is no longer registered stops, poisoned, and
   * ends FAILED with that reason; it never goes on with another version's steps.
   */
  version?: number;
  /**
   * The steps, run in order and compensated newest first. Consecutive steps sharing a `parallel`
   * name form a group, run at once:
   *
   * ```ts
   * { name: 'reserve-inventory', parallel: 'hold', invoke: …, compensate: …, onReply: … },
   * { name: 'process-payment', parallel: 'hold', invoke: …, compensate: …, onReply: … },
   * ```
   *
   * - Each member keeps its own retries, backoff, timeout and reply mapping; replies update the
   *   data in the order they come, so members must not depend on each other's data.
   * - When a critical member says no or fails past its attempts, the saga sends nothing more and
   *   waits until every member still in flight has answered (or failed past its attempts), so a
   *   command that may still run is never undone early. Then it compensates, newest first: the
   *   members that succeeded or may have happened (failed past their attempts), never one that
   *   said no, then the steps before the group.
   * - The saga's deadline passing while a group runs: nothing more is awaited, the members still in
   *   flight count as may-have-happened, and the saga compensates as above.
   * - A member that is not critical fails on its own, as a step would.
   * - Every member sends a command, and a critical one has a compensation (no point of no return
   *   inside a group).
   */
  steps: readonly SagaStep<D>[];
  /** Deadline of the whole saga; default SAGA_TIMEOUT_SECONDS. */
  timeoutMs?: number;
  /**
   * The class-validator DTO its data is started from over the API (`POST /api/v1/sagas`, gRPC
   * `StartSaga`): a type that declares one can be started by any caller allowed to place orders,
   * with a payload checked against it exactly as a request body is; one without is started only
   * by its module's own code. Unless its module registered a starter (`SagaStarters`), the
   * validated payload is the saga's data.
   */
  payload?: new () => object;
}

/** Checks a definition once, where it is declared. */
export function defineSaga<D>(definition: SagaDefinition<D>): SagaDefinition<D> {
  const { version = 1 } = definition;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`${definition.type}: version must be a whole number from 1, got ${version}`);
  const names = new Set<string>();
  for (const step of definition.steps) {
    if (names.has(step.name)) throw new Error(`${definition.type}: step ${step.name} is declared twice`);
    names.add(step.name);
    if (step.invoke && !step.onReply) throw new Error(`${definition.type}: step ${step.name} invokes but maps no reply`);
    if (step.critical === false && (!step.invoke || step.compensate)) {
      throw new Error(`${definition.type}: step ${step.name} is not critical, so it needs a command and no compensation (it is never undone)`);
    }
  }
  checkGroups(definition);
  return definition;
}

/** A group's members are consecutive, at least two, and each sends a command it can undo (or is not critical). */
function checkGroups<D>({ type, steps }: SagaDefinition<D>): void {
  const closed = new Set<string>();
  steps.forEach((step, i) => {
    const group = step.parallel;
    if (!group) return;
    if (closed.has(group)) throw new Error(`${type}: the steps of parallel group ${group} must be consecutive`);
    if (steps[i + 1]?.parallel !== group) closed.add(group);
    if (steps[i - 1]?.parallel !== group && steps[i + 1]?.parallel !== group) throw new Error(`${type}: parallel group ${group} needs at least two steps`);
    if (!step.invoke || (step.critical !== false && !step.compensate)) {
      throw new Error(`${type}: step ${step.name} runs in parallel group ${group}, so it needs a command and, unless it is not critical, a compensation`);
    }
  });
}

/** The index of the last step of the parallel group whose first step is `first`. */
export function groupEnd<D>(definition: SagaDefinition<D>, first: number): number {
  const group = definition.steps[first].parallel;
  let last = first;
  while (group && definition.steps[last + 1]?.parallel === group) last++;
  return last;
}

/** A reply handler for a business "no": `fail('OUT_OF_STOCK')` or `fail((d, r) => …)`. */
export function fail<D>(reason: string | ((data: D, reply: Message) => string)): ReplyHandler<D> {
  return (data, reply) => ({ failed: typeof reason === 'string' ? reason : reason(data, reply) });
}

export function isFailure(value: unknown): value is StepFailure {
  return typeof value === 'object' && value !== null && 'failed' in value && typeof value.failed === 'string';
}
