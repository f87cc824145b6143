import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isUuid } from '../common/is-uuid.js';
import { SagaEngine } from './engine/saga-engine.js';
import { SagaError } from './saga.errors.js';
import { RetrySaga } from './saga.messages.js';

@CommandHandler(RetrySaga)
export class RetrySagaHandler implements ICommandHandler<RetrySaga> {
  constructor(private readonly engine: SagaEngine) {}

  async execute({ sagaId, actor }: RetrySaga): Promise<void> {
    const result = isUuid(sagaId) ? await this.engine.resume(sagaId, actor) : 'NOT_FOUND';
    if (result === 'NOT_FOUND') throw new SagaError('SAGA_NOT_FOUND', `Saga ${sagaId} not found`);
    if (result === 'NOT_FAILED') throw new SagaError('SAGA_NOT_FAILED', `Saga ${sagaId} is not FAILED; only a FAILED saga can be retried`);
  }
}
