import { Controller } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IdempotentRequestDto } from '../common/idempotency-key.dto.js';
import { IsUuid } from '../common/is-uuid.js';
import { validationFailed } from '../http/validation.js';
import { GetSaga, ListSagaTypes, type SagaStartResult, type SagaTypeView, type SagaView, StartSaga } from './saga.messages.js';
import { Requires } from '../auth/requires.decorator.js';

export class GetSagaGrpcDto {
  @IsUuid()
  sagaId!: string;
}

/** StartSaga: the REST body with the payload as JSON text, plus the idempotency key (required, as on every mutating RPC). */
export class StartSagaGrpcDto extends IdempotentRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sagaType!: string;

  @IsString()
  payload!: string;
}

/** `saga.v1.SagaService`. */
@Controller()
export class SagaGrpcController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @GrpcMethod('SagaService', 'StartSaga')
  @Requires('orders.place')
  async start(@Payload() req: StartSagaGrpcDto) {
    const started: SagaStartResult = await this.commands.execute(new StartSaga(req.sagaType, parseJson(req.payload), req.idempotencyKey));
    return { ...started, resource: started.resource ? JSON.stringify(started.resource) : '' };
  }

  @GrpcMethod('SagaService', 'ListSagaTypes')
  @Requires('business.read')
  // The (empty) request is taken as a plain object: with no parameter the pipe would inspect the call itself.
  async listTypes(@Payload() _req: object) {
    const types: SagaTypeView[] = await this.queries.execute(new ListSagaTypes());
    return {
      types: types.map((t) => ({
        ...t,
        steps: t.steps.map((s) => ({ ...s, group: s.group ?? '' })),
        payloadSchema: t.payloadSchema ? JSON.stringify(t.payloadSchema) : '',
      })),
    };
  }

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

/** The payload's JSON text, parsed; the payload class then checks it as the REST body's payload is checked. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw validationFailed([{ field: 'payload', messages: ['payload must be a JSON object'] }]);
  }
}
