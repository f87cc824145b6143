import { Module } from '@nestjs/common';
import { SagaEngine } from './saga-engine.js';
import { SagaTimers } from './saga-timers.js';

/** The engine alone, for modules that define and start sagas. */
@Module({
  providers: [SagaEngine, SagaTimers],
  exports: [SagaEngine, SagaTimers],
})
export class SagaEngineModule {}
