import { Controller } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsUuid } from '../common/is-uuid.js';
import { GetSaga, type SagaView } from './saga.messages.js';
import { Requires } from '../auth/requires.decorator.js';

export class GetSagaGrpcDto {
  @IsUuid()
  sagaId!: string;
}

/** `saga.v1.SagaService`. */
@Controller()
export class SagaGrpcController {
  constructor(private readonly queries: QueryBus) {}

  @GrpcMethod('SagaService', 'GetSaga')
  @Requires('operations.read')
  async get(@Payload() req: GetSagaGrpcDto) {
    const saga: SagaView = await this.queries.execute(new GetSaga(req.sagaId));
    return {
      ...saga,
      orderId: saga.orderId ?? '',
      failureReason: saga.failureReason ?? '',
      history: saga.history.map((h) => ({ ...h, message: h.message ?? '', finishedAt: h.finishedAt ?? '', traceId: h.traceId ?? '' })),
    };
  }
}
