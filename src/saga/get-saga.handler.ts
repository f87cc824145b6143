import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { decodeCursor } from '../common/cursor.js';
import { isUuid } from '../common/is-uuid.js';
import { SagaInstance } from './engine/saga-instance.entity.js';
import type { SagaStatus } from './engine/saga-transition.js';
import { SagaStepRecord } from './engine/saga-step.entity.js';
import { SagaCounts } from './saga-counts.js';
import { SagaError } from './saga.errors.js';
import { GetSaga, GetSagaStats, ListSagas, type SagaPage, type SagaStats, type SagaSummary, type SagaView } from './saga.messages.js';

function toSummary(saga: SagaInstance): SagaSummary {
  const { orderId } = saga.data as { orderId?: unknown };
  return {
    id: saga.id,
    type: saga.type,
    definitionVersion: saga.definitionVersion,
    status: saga.status,
    currentStep: saga.currentStep,
    orderId: typeof orderId === 'string' ? orderId : null,
    failureReason: saga.failureReason,
    lastError: saga.lastError,
    attempt: saga.attempt,
    poisonAttempts: saga.poisonAttempts,
    version: saga.version,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
  };
}

@QueryHandler(GetSaga)
export class GetSagaHandler implements IQueryHandler<GetSaga, SagaView> {
  constructor(private readonly db: DataSource) {}

  async execute({ sagaId }: GetSaga): Promise<SagaView> {
    const saga = isUuid(sagaId) ? await this.db.getRepository(SagaInstance).findOneBy({ id: sagaId }) : null;
    if (!saga) throw new SagaError('SAGA_NOT_FOUND', `Saga ${sagaId} not found`);
    const steps = await this.db.getRepository(SagaStepRecord).find({ where: { sagaId }, order: { id: 'ASC' } });
    return {
      ...toSummary(saga),
      history: steps.map((s) => ({
        step: s.step,
        action: s.action,
        status: s.status,
        attempt: s.attempt,
        message: s.message,
        timestamp: s.startedAt.toISOString(),
        finishedAt: s.finishedAt?.toISOString() ?? null,
        traceId: s.traceId,
      })),
    };
  }
}

/**
 * Sagas newest first, keyset-paged on (created_at, id), one more than a page (to tell whether
 * there is a next). Each filter walks an index in that order and stops at the page's end
 * (SagaStatusCounts1765400000000): no sort of every saga that matches.
 */
export function listSagasQuery(db: DataSource, filter: ListSagas['filter'], after: { at: string; id: string } | null): SelectQueryBuilder<SagaInstance> {
  const qb = db
    .getRepository(SagaInstance)
    .createQueryBuilder('s')
    .orderBy('s.created_at', 'DESC')
    .addOrderBy('s.id', 'DESC')
    .addSelect(`to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'page_at')
    .limit(filter.limit + 1);
  if (filter.status) qb.andWhere('s.status = :status', { status: filter.status });
  if (filter.type) qb.andWhere('s.type = :type', { type: filter.type });
  if (after) qb.andWhere('(s.created_at, s.id) < (:at::timestamptz, :id::uuid)', after);
  return qb;
}

/**
 * The cursor after a page: `encodeCursor`'s format, with the microseconds a saga's created_at has
 * (a Date keeps milliseconds: the sagas created earlier in the same millisecond would be skipped).
 */
function pageCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

@QueryHandler(ListSagas)
export class ListSagasHandler implements IQueryHandler<ListSagas, SagaPage> {
  constructor(private readonly db: DataSource) {}

  async execute({ filter }: ListSagas): Promise<SagaPage> {
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;
    if (filter.cursor && !after) throw new SagaError('INVALID_CURSOR', 'cursor is not one this API returned');
    const { entities: sagas, raw } = await listSagasQuery(this.db, filter, after).getRawAndEntities<{ page_at: string }>();
    const page = sagas.slice(0, filter.limit);
    const last = page.at(-1);
    return { items: page.map(toSummary), nextCursor: sagas.length > filter.limit && last ? pageCursor(raw[page.length - 1].page_at, last.id) : null };
  }
}

@QueryHandler(GetSagaStats)
export class GetSagaStatsHandler implements IQueryHandler<GetSagaStats, SagaStats> {
  constructor(private readonly counts: SagaCounts) {}

  /** From the counts kept as sagas change (`SagaCounts`): as fast with a million sagas as with ten. */
  async execute({ type }: GetSagaStats): Promise<SagaStats> {
    const rows = await this.counts.read();
    const counts: SagaStats['counts'] = { STARTED: 0, RUNNING: 0, COMPLETED: 0, COMPENSATING: 0, COMPENSATED: 0, FAILED: 0 };
    for (const r of rows) if ((!type || r.type === type) && r.status in counts) counts[r.status as SagaStatus] += r.n;
    return { counts, types: [...new Set(rows.map((r) => r.type))].sort() };
  }
}
