import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/is-uuid.js';
import { SagaInstance } from './engine/saga-instance.entity.js';
import { SagaStepRecord } from './engine/saga-step.entity.js';
import { SagaError } from './saga.errors.js';
import { GetSaga, type SagaView } from './saga.messages.js';

@QueryHandler(GetSaga)
export class GetSagaHandler implements IQueryHandler<GetSaga, SagaView> {
  constructor(private readonly db: DataSource) {}

  async execute({ sagaId }: GetSaga): Promise<SagaView> {
    const saga = isUuid(sagaId) ? await this.db.getRepository(SagaInstance).findOneBy({ id: sagaId }) : null;
    if (!saga) throw new SagaError('SAGA_NOT_FOUND', `Saga ${sagaId} not found`);
    const steps = await this.db.getRepository(SagaStepRecord).find({ where: { sagaId }, order: { id: 'ASC' } });
    const { orderId } = saga.data as { orderId?: unknown };
    return {
      id: saga.id,
      type: saga.type,
      status: saga.status,
      currentStep: saga.currentStep,
      orderId: typeof orderId === 'string' ? orderId : null,
      failureReason: saga.failureReason,
      version: saga.version,
      createdAt: saga.createdAt.toISOString(),
      updatedAt: saga.updatedAt.toISOString(),
      history: steps.map((s) => ({
        step: s.step,
        action: s.action,
        status: s.status,
        attempt: s.attempt,
        message: s.message,
        timestamp: s.startedAt.toISOString(),
        finishedAt: s.finishedAt?.toISOString() ?? null,
      })),
    };
  }
}
