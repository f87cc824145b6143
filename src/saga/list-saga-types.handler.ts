import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { SagaStep } from './engine/saga-definition.js';
import { SagaEngine } from './engine/saga-engine.js';
import { payloadSchema } from './payload-schema.js';
import { ListSagaTypes, type SagaTypeStepView, type SagaTypeView } from './saga.messages.js';

/** Every registered saga type and version, by type then version: what the engine runs, read from the definitions. */
@QueryHandler(ListSagaTypes)
export class ListSagaTypesHandler implements IQueryHandler<ListSagaTypes, SagaTypeView[]> {
  constructor(private readonly engine: SagaEngine) {}

  async execute(): Promise<SagaTypeView[]> {
    const definitions = this.engine.registered();
    const newest = new Map<string, number>();
    for (const d of definitions) newest.set(d.type, Math.max(newest.get(d.type) ?? 0, d.version ?? 1));
    return definitions
      .map((d) => ({
        type: d.type,
        version: d.version ?? 1,
        startable: d.payload !== undefined && newest.get(d.type) === (d.version ?? 1),
        steps: d.steps.map(toStepView),
        payloadSchema: d.payload ? payloadSchema(d.payload) : null,
      }))
      .sort((a, b) => (a.type === b.type ? a.version - b.version : a.type < b.type ? -1 : 1));
  }
}

function toStepView(step: SagaStep<unknown>): SagaTypeStepView {
  return {
    name: step.name,
    hasCommand: step.invoke !== undefined,
    hasCompensation: step.compensate !== undefined,
    critical: step.critical !== false,
    // Steps that run side by side name their parallel group.
    group: step.parallel ?? null,
    conditional: step.when !== undefined,
  };
}
