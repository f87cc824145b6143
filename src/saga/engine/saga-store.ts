import type { EntityManager } from 'typeorm';
import { execute, statement } from '../../database/prepared.js';
import type { SagaDefinition } from './saga-definition.js';
import { type HeldReply, SagaInstance, type SagaProgress } from './saga-instance.entity.js';
import type { AnsweredRecord, SagaState } from './saga-transition.js';

// The saga engine's SQL: the saga row and its history, each write one prepared statement.

type AnyDefinition = SagaDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A row of the saga's history, as `INSERT_HISTORY` takes them (a JSON array). */
export interface HistoryRow {
  saga_id: string;
  step: string;
  action: string;
  attempt: number;
  status: string;
  message: string | null;
  message_id: string | null;
  trace_id: string | null;
  delay_ms: number;
  finished: boolean;
}

/**
 * The saga's durable timer: fires `inMs` from now (null: no timer), or at the saga's deadline if
 * that is sooner and `capped` (while the saga still executes).
 */
export interface Timer {
  inMs: number | null;
  capped: boolean;
}

/** Adds history rows from the JSON array $2. */
const INSERT_HISTORY = `INSERT INTO saga.saga_steps (saga_id, step, action, attempt, status, message, message_id, trace_id, started_at, finished_at)
  SELECT r.saga_id, r.step, r.action, r.attempt, r.status, r.message, r.message_id, r.trace_id,
         now() + r.delay_ms * interval '1 millisecond', CASE WHEN r.finished THEN now() END
    FROM jsonb_to_recordset($2::jsonb)
      AS r(saga_id uuid, step text, action text, attempt int, status text, message text, message_id uuid, trace_id text, delay_ms int, finished boolean)`;

/** The timer as SQL, from parameters $n (in ms) and $n+1 (capped), with `deadline` the deadline's SQL. */
const timerSql = (n: number, deadline: string): string =>
  `CASE WHEN $${n}::int IS NULL THEN NULL
        WHEN $${n + 1}::boolean THEN least(now() + $${n}::int * interval '1 millisecond', ${deadline})
        ELSE now() + $${n}::int * interval '1 millisecond' END`;

/** The saga (its definition version $15, its progress $16), its deadline ($12 ms from now), its timer and its history, in one statement. */
const INSERT_SAGA = statement(`WITH saga AS (
    INSERT INTO saga.saga_instances (id, type, definition_version, status, step_index, current_step, data, failure_reason, awaiting_message_id, attempt, last_error, progress, deadline_at, timeout_at)
    VALUES ($1, $3, $15, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $16::jsonb, now() + $12::int * interval '1 millisecond',
            ${timerSql(13, `now() + $12::int * interval '1 millisecond'`)}))
  ${INSERT_HISTORY}`);

/**
 * Decisions about several sagas ($1, a JSON array of `DecisionRow`), in one statement: closes each
 * answered attempt (returning how long it took), adds the history rows ($2), and updates each saga
 * with its new state and timer. Past the point of no return the saga's deadline no longer applies.
 */
export const SAVE_DECISIONS = statement(`WITH d AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, status text, step_index int, current_step text, data jsonb,
      failure_reason text, awaiting uuid, attempt int, last_error text, progress jsonb, past_no_return boolean, timer_ms int, capped boolean,
      answered_status text, answered_message text, answered_id uuid, answered_attempt int)),
  done AS (
    UPDATE saga.saga_steps s SET status = d.answered_status, message = d.answered_message, finished_at = now()
      FROM d
     WHERE s.saga_id = ANY (ARRAY(SELECT id FROM d)) -- so the plan reads the index, not the table (d's size is not known)
       AND d.answered_status IS NOT NULL AND s.saga_id = d.id AND s.message_id = d.answered_id AND s.attempt = d.answered_attempt
       AND s.status = 'PENDING' -- not an earlier round's (after a resume)
    RETURNING s.saga_id, greatest(0, extract(epoch FROM s.finished_at - s.started_at))::float AS seconds),
  added AS (${INSERT_HISTORY}),
  saved AS (
    UPDATE saga.saga_instances i
       SET status = d.status, step_index = d.step_index, current_step = d.current_step, data = d.data, failure_reason = d.failure_reason,
           awaiting_message_id = d.awaiting, attempt = d.attempt, last_error = d.last_error, progress = d.progress, version = i.version + 1, updated_at = now(),
           poison_attempts = 0, poisoned_status = NULL, held_reply = NULL, -- handled: no longer poisoned
           deadline_at = CASE WHEN d.past_no_return THEN NULL ELSE i.deadline_at END,
           timeout_at = CASE WHEN d.timer_ms IS NULL THEN NULL
                             WHEN d.capped THEN least(now() + d.timer_ms * interval '1 millisecond', i.deadline_at)
                             ELSE now() + d.timer_ms * interval '1 millisecond' END
      FROM d
     WHERE i.id = ANY (ARRAY(SELECT id FROM d)) AND i.id = d.id)
  SELECT saga_id, seconds FROM done`);

const COLUMNS = `id, type, definition_version, status, step_index, current_step, data, failure_reason, awaiting_message_id, attempt, last_error, progress, version,
  poison_attempts, poisoned_status, held_reply, created_at`;

/** A saga's poisoning (see `Poisoned`); its timer fires $7 ms from now (null: none). */
const SAVE_POISONING = statement(`UPDATE saga.saga_instances
   SET status = $2, last_error = $3, poison_attempts = $4, poisoned_status = $5, held_reply = $6::jsonb,
       timeout_at = now() + $7::int * interval '1 millisecond', version = version + 1, updated_at = now()
 WHERE id = $1`);

const LOCK_SAGA = statement(`SELECT ${COLUMNS} FROM saga.saga_instances WHERE id = $1 FOR UPDATE`);

const LOCK_SAGAS = statement(`SELECT ${COLUMNS} FROM saga.saga_instances WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`);

const LOCK_DUE_SAGA = statement(`SELECT ${COLUMNS}, deadline_at <= now() AS deadline_passed FROM saga.saga_instances
  WHERE id = $1 AND timeout_at <= now()
  FOR UPDATE SKIP LOCKED -- another instance is firing or advancing it`);

type SagaRow = Record<string, unknown>;

/** Reads a saga under a row lock. */
export async function lockSaga(tx: EntityManager, id: string): Promise<SagaInstance | null> {
  const { rows } = await execute<SagaRow>(tx, LOCK_SAGA, [id]);
  return rows.length > 0 ? fromRow(rows[0]) : null;
}

/** Reads several sagas under row locks, taken in id order (so two batches cannot deadlock); by id. */
export async function lockSagas(tx: EntityManager, ids: string[]): Promise<Map<string, SagaInstance>> {
  const { rows } = await execute<SagaRow>(tx, LOCK_SAGAS, [[...new Set(ids)]]);
  return new Map(rows.map((row) => [row.id as string, fromRow(row)]));
}

/** Locks a saga whose timer is due, unless another instance holds it; says whether its deadline passed. */
export async function lockDueSaga(tx: EntityManager, id: string): Promise<{ saga: SagaInstance; deadlinePassed: boolean } | null> {
  const { rows } = await execute<SagaRow>(tx, LOCK_DUE_SAGA, [id]);
  return rows.length > 0 ? { saga: fromRow(rows[0]), deadlinePassed: rows[0].deadline_passed === true } : null;
}

/** Writes a new saga with its history; it must finish within `deadlineMs`. */
export async function insertSaga(
  tx: EntityManager,
  id: string,
  definition: AnyDefinition,
  state: SagaState<unknown>,
  history: HistoryRow[],
  deadlineMs: number,
  timer: Timer,
): Promise<void> {
  await execute(tx, INSERT_SAGA, [id, JSON.stringify(history), definition.type, ...stateParams(definition, state), deadlineMs, timer.inMs, timer.capped, definition.version ?? 1, JSON.stringify(progressOf(state))]);
}

/** A decision about one saga, as `SAVE_DECISIONS` takes them. */
export interface DecisionRow {
  id: string;
  status: string;
  step_index: number;
  current_step: string;
  data: unknown;
  failure_reason: string | null;
  awaiting: string | null;
  attempt: number;
  last_error: string | null;
  progress: SagaProgress | null;
  past_no_return: boolean;
  timer_ms: number | null;
  capped: boolean;
  answered_status: string | null;
  answered_message: string | null;
  answered_id: string | null;
  answered_attempt: number;
}

/**
 * A decision about `saga` to write: its new `state` and timer; `answered` closes the attempt the
 * saga was waiting for.
 */
export function decisionRow(
  saga: SagaInstance,
  definition: AnyDefinition,
  state: SagaState<unknown>,
  answered: { status: string; message: string | null } | null,
  pastNoReturn: boolean,
  timer: Timer,
): DecisionRow {
  return {
    id: saga.id,
    status: state.status,
    step_index: state.step,
    current_step: definition.steps[state.step].name,
    data: state.data,
    failure_reason: state.failureReason,
    awaiting: state.awaiting,
    attempt: state.attempt,
    last_error: state.lastError,
    progress: progressOf(state),
    past_no_return: pastNoReturn,
    timer_ms: timer.inMs,
    capped: timer.capped,
    answered_status: answered?.status ?? null,
    answered_message: answered?.message ?? null,
    answered_id: answered ? saga.awaitingMessageId : null,
    answered_attempt: saga.attempt,
  };
}

/**
 * Writes decisions about several sagas (at most one each) and their history rows, in one
 * statement. Returns how long each answered attempt took, in seconds, by saga id.
 */
export function saveDecisions(tx: EntityManager, decisions: DecisionRow[], history: HistoryRow[]): Promise<Map<string, number>> {
  // Not async: sent before it returns, or it throws (see `beforeCommit`).
  return execute<{ saga_id: string; seconds: number }>(tx, SAVE_DECISIONS, [JSON.stringify(decisions), JSON.stringify(history)]).then(
    ({ rows }) => new Map(rows.map((r) => [r.saga_id, r.seconds])),
  );
}

/** A saga's poisoning, as the saga row keeps it: what the engine could not handle, and what then. */
export interface Poisoned {
  status: string;
  lastError: string | null;
  /** Attempts in a row that threw. */
  attempts: number;
  /** Once FAILED for it: the status a retry resumes. */
  poisonedStatus: string | null;
  /** The reply it could not handle, to apply again. */
  heldReply: HeldReply | null;
  /** When its timer fires, in ms from now: the next attempt (null: none, it waits for a person). */
  timerMs: number | null;
}

/** Writes a saga's poisoning, or its resumption from one. */
export async function savePoisoning(tx: EntityManager, id: string, p: Poisoned): Promise<void> {
  await execute(tx, SAVE_POISONING, [id, p.status, p.lastError, p.attempts, p.poisonedStatus, p.heldReply && JSON.stringify(p.heldReply), p.timerMs]);
}

/** The saga row's state columns as parameters, in the order `INSERT_SAGA` lists them. */
function stateParams(definition: AnyDefinition, state: SagaState<unknown>): unknown[] {
  const { status, step, data, failureReason, awaiting, attempt, lastError } = state;
  return [status, step, definition.steps[step].name, JSON.stringify(data), failureReason, awaiting, attempt, lastError];
}

/** The saga's state, as its decisions take it. */
export function stateOf(saga: SagaInstance): SagaState<unknown> {
  return {
    status: saga.status,
    step: saga.stepIndex,
    data: saga.data,
    failureReason: saga.failureReason,
    attempt: saga.attempt,
    awaiting: saga.awaitingMessageId,
    lastError: saga.lastError,
    ...(saga.progress?.members && { members: saga.progress.members }),
    ...(saga.progress?.notDone && { notDone: saga.progress.notDone }),
  };
}

/**
 * What a saga keeps beyond one awaited command (the `progress` column): the parallel group in
 * flight and the steps that did not happen. Null for a saga that has neither.
 */
export function progressOf(state: SagaState<unknown>): SagaProgress | null {
  const { members, notDone } = state;
  if (!members && !notDone?.length) return null;
  return { ...(members && { members }), ...(notDone?.length && { notDone }) };
}

/**
 * Closes the open history rows of a parallel group's member attempts a decision finished (the
 * single awaited attempt is closed by `SAVE_DECISIONS`); returns how long each took, in seconds.
 */
const CLOSE_ATTEMPTS = statement(`UPDATE saga.saga_steps s SET status = a.status, message = a.message, finished_at = now()
    FROM jsonb_to_recordset($2::jsonb) AS a(status text, message text, "messageId" uuid, attempt int)
   WHERE s.saga_id = $1 AND s.message_id = a."messageId" AND s.attempt = a.attempt
     AND s.status = 'PENDING'
  RETURNING s.step, s.action, s.status, greatest(0, extract(epoch FROM s.finished_at - s.started_at))::float AS seconds`);

export async function closeAttempts(tx: EntityManager, sagaId: string, answered: AnsweredRecord[]): Promise<{ step: string; action: string; status: string; seconds: number }[]> {
  if (answered.length === 0) return [];
  const { rows } = await execute<{ step: string; action: string; status: string; seconds: number }>(tx, CLOSE_ATTEMPTS, [sagaId, JSON.stringify(answered)]);
  return rows;
}

/** Maps a raw `saga_instances` row (snake_case) to the entity. */
function fromRow(row: SagaRow): SagaInstance {
  return Object.assign(new SagaInstance(), {
    id: row.id as string,
    type: row.type as string,
    definitionVersion: row.definition_version as number,
    status: row.status as SagaInstance['status'],
    stepIndex: row.step_index as number,
    currentStep: row.current_step as string,
    data: row.data as object,
    failureReason: row.failure_reason as string | null,
    awaitingMessageId: row.awaiting_message_id as string | null,
    attempt: row.attempt as number,
    lastError: row.last_error as string | null,
    progress: row.progress as SagaProgress | null,
    version: row.version as number,
    poisonAttempts: row.poison_attempts as number,
    poisonedStatus: row.poisoned_status as SagaInstance['poisonedStatus'],
    heldReply: row.held_reply as HeldReply | null,
    createdAt: row.created_at as Date,
  });
}

/**
 * A person's retry of a FAILED saga, in its history: who resumed it (an API key's name), on the
 * step it stood at. Written in the transaction that resumes it.
 */
export async function recordRetry(tx: EntityManager, sagaId: string, step: string, actor: string): Promise<void> {
  await tx.query(
    `INSERT INTO saga.saga_steps (saga_id, step, action, attempt, status, message, started_at, finished_at)
     VALUES ($1, $2, 'retry', 1, 'SUCCEEDED', $3, now(), now())`,
    [sagaId, step, `retried by ${actor}`],
  );
}
