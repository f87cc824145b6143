import { Module } from '@nestjs/common';
import { SagaEngineModule } from './engine/saga-engine.module.js';
import { GetSagaHandler, GetSagaStatsHandler, ListSagasHandler } from './get-saga.handler.js';
import { RetrySagaHandler } from './retry-saga.handler.js';
import { SagaController } from './saga.controller.js';
import { SagaGrpcController } from './saga.grpc.controller.js';

@Module({
  imports: [SagaEngineModule],
  controllers: [SagaController, SagaGrpcController],
  providers: [GetSagaHandler, GetSagaStatsHandler, ListSagasHandler, RetrySagaHandler],
})
export class SagaModule {}
