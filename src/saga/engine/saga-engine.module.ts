import { Module } from '@nestjs/common';
import { SagaEngine } from './saga-engine.js';

/** The engine alone, for modules that define and start sagas. */
@Module({
  providers: [SagaEngine],
  exports: [SagaEngine],
})
export class SagaEngineModule {}
