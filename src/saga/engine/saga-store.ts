import type { EntityManager } from 'typeorm';
import { execute, statement } from '../../database/prepared.js';
import type { SagaDefinition } from './saga-definition.js';
import { SagaInstance } from './saga-instance.entity.js';
import type { SagaState } from './saga-transition.js';

// The saga engine's SQL: the saga row and its history, each write one prepared statement.

type AnyDefinition = SagaDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A row of the saga's history, as `INSERT_HISTORY` takes them (a JSON array). */
export interface HistoryRow {
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

/** Adds history rows for saga $1 from the JSON array $2. */
const INSERT_HISTORY = `INSERT INTO saga.saga_steps (saga_id, step, action, attempt, status, message, message_id, trace_id, started_at, finished_at)
  SELECT $1, r.step, r.action, r.attempt, r.status, r.message, r.message_id, r.trace_id,
         now() + r.delay_ms * interval '1 millisecond', CASE WHEN r.finished THEN now() END
    FROM jsonb_to_recordset($2::jsonb)
      AS r(step text, action text, attempt int, status text, message text, message_id uuid, trace_id text, delay_ms int, finished boolean)`;

/** The timer as SQL, from parameters $n (in ms) and $n+1 (capped), with `deadline` the deadline's SQL. */
const timerSql = (n: number, deadline: string): string =>
  `CASE WHEN $${n}::int IS NULL THEN NULL
        WHEN $${n + 1}::boolean THEN least(now() + $${n}::int * interval '1 millisecond', ${deadline})
        ELSE now() + $${n}::int * interval '1 millisecond' END`;

/** The saga, its deadline ($12 ms from now), its timer and its history, in one statement. */
const INSERT_SAGA = statement(`WITH saga AS (
    INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, failure_reason, awaiting_message_id, attempt, last_error, deadline_at, timeout_at)
    VALUES ($1, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, now() + $12::int * interval '1 millisecond',
            ${timerSql(13, `now() + $12::int * interval '1 millisecond'`)}))
  ${INSERT_HISTORY}`);

/**
 * A decision, in one statement: closes the answered attempt (returning how long it took), adds
 * the history rows, and updates the saga with its new state and timer. Past the point of no
 * return ($15) the saga's deadline no longer applies.
 */
const SAVE_DECISION = statement(`WITH done AS (
    UPDATE saga.saga_steps SET status = $3, message = $4, finished_at = now()
     WHERE saga_id = $1 AND message_id = $5 AND attempt = $6 AND status = 'PENDING' -- not an earlier round's (after a resume)
    RETURNING greatest(0, extract(epoch FROM finished_at - started_at))::float AS seconds),
  added AS (${INSERT_HISTORY}),
  saved AS (
    UPDATE saga.saga_instances
       SET status = $7, step_index = $8, current_step = $9, data = $10::jsonb, failure_reason = $11,
           awaiting_message_id = $12, attempt = $13, last_error = $14, version = version + 1, updated_at = now(),
           deadline_at = CASE WHEN $15 THEN NULL ELSE deadline_at END,
           timeout_at = ${timerSql(16, 'deadline_at')}
     WHERE id = $1)
  SELECT (SELECT max(seconds) FROM done) AS seconds`);

const COLUMNS = 'id, type, status, step_index, current_step, data, failure_reason, awaiting_message_id, attempt, last_error, version';

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
  await execute(tx, INSERT_SAGA, [id, JSON.stringify(history), definition.type, ...stateParams(definition, state), deadlineMs, timer.inMs, timer.capped]);
}

/**
 * Writes a decision about `saga`: `answered` closes the attempt it was waiting for. Returns how
 * long that attempt took, in seconds, or null.
 */
export async function saveDecision(
  tx: EntityManager,
  saga: SagaInstance,
  definition: AnyDefinition,
  state: SagaState<unknown>,
  history: HistoryRow[],
  answered: { status: string; message: string | null } | null,
  pastNoReturn: boolean,
  timer: Timer,
): Promise<number | null> {
  const { rows } = await execute<{ seconds: number | null }>(tx, SAVE_DECISION, [
    saga.id,
    JSON.stringify(history),
    answered?.status ?? null,
    answered?.message ?? null,
    answered ? saga.awaitingMessageId : null,
    saga.attempt,
    ...stateParams(definition, state),
    pastNoReturn,
    timer.inMs,
    timer.capped,
  ]);
  return rows[0]?.seconds ?? null;
}

/** The saga row's state columns as parameters, in the order both the insert and the update list them. */
function stateParams(definition: AnyDefinition, state: SagaState<unknown>): unknown[] {
  const { status, step, data, failureReason, awaiting, attempt, lastError } = state;
  return [status, step, definition.steps[step].name, JSON.stringify(data), failureReason, awaiting, attempt, lastError];
}

/** Maps a raw `saga_instances` row (snake_case) to the entity. */
function fromRow(row: SagaRow): SagaInstance {
  return Object.assign(new SagaInstance(), {
    id: row.id as string,
    type: row.type as string,
    status: row.status as SagaInstance['status'],
    stepIndex: row.step_index as number,
    currentStep: row.current_step as string,
    data: row.data as object,
    failureReason: row.failure_reason as string | null,
    awaitingMessageId: row.awaiting_message_id as string | null,
    attempt: row.attempt as number,
    lastError: row.last_error as string | null,
    version: row.version as number,
  });
}
