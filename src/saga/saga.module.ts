import { Module } from '@nestjs/common';
import { SagaEngineModule } from './engine/saga-engine.module.js';
import { GetSagaHandler, GetSagaStatsHandler, ListSagasHandler } from './get-saga.handler.js';
import { ListSagaTypesHandler } from './list-saga-types.handler.js';
import { RetrySagaHandler } from './retry-saga.handler.js';
import { SagaCounts } from './saga-counts.js';
import { SagaTypeController } from './saga-type.controller.js';
import { SagaController } from './saga.controller.js';
import { SagaGrpcController } from './saga.grpc.controller.js';
import { StartSagaHandler } from './start-saga.handler.js';

@Module({
  imports: [SagaEngineModule],
  controllers: [SagaController, SagaTypeController, SagaGrpcController],
  providers: [SagaCounts, GetSagaHandler, GetSagaStatsHandler, ListSagasHandler, RetrySagaHandler, StartSagaHandler, ListSagaTypesHandler],
})
export class SagaModule {}
