import { Module } from '@nestjs/common';
import { SagaEngine } from './saga-engine.js';
import { SagaPoison } from './saga-poison.js';
import { SagaStarters } from './saga-starters.js';
import { SagaTimers } from './saga-timers.js';

/** The engine alone, for modules that define and start sagas. */
@Module({
  providers: [SagaEngine, SagaPoison, SagaTimers, SagaStarters],
  exports: [SagaEngine, SagaTimers, SagaStarters],
})
export class SagaEngineModule {}
