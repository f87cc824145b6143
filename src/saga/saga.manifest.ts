import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { errorStatuses } from '../errors/module-error.js';
import type { ModuleManifest } from '../module-manifest.js';
import { SagaInstance } from './engine/saga-instance.entity.js';
import { SagaStepRecord } from './engine/saga-step.entity.js';
import { SagaSchema1763800000000 } from './migrations/1763800000000-saga-schema.js';
import { PoisonedSagas1764900000000 } from './migrations/1764900000000-poisoned-sagas.js';
import { SagaDefinitionVersions1765100000000 } from './migrations/1765100000000-saga-definition-versions.js';
import { SagaProgress1765200000000 } from './migrations/1765200000000-saga-progress.js';
import { SagaIdempotencyKeys1765300000000 } from './migrations/1765300000000-saga-idempotency-keys.js';
import { SagaStatusCounts1765400000000 } from './migrations/1765400000000-saga-status-counts.js';
import { SagaIdempotencyKey } from './saga-idempotency-key.entity.js';
import { SagaError } from './saga.errors.js';
import { SagaModule } from './saga.module.js';

/** Sagas: their state, timers and history, and the API (and dashboard) to start, watch and retry them. */
export const sagaManifest = {
  name: 'saga',
  module: SagaModule,
  entities: [SagaInstance, SagaStepRecord, SagaIdempotencyKey],
  migrations: [SagaSchema1763800000000, PoisonedSagas1764900000000, SagaDefinitionVersions1765100000000, SagaProgress1765200000000, SagaIdempotencyKeys1765300000000, SagaStatusCounts1765400000000],
  grpc: { protoFile: 'saga.proto', package: 'saga.v1' },
  errors: errorStatuses(SagaError, {
    SAGA_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
    SAGA_NOT_FAILED: { http: HttpStatus.CONFLICT, grpc: GrpcStatus.FAILED_PRECONDITION },
    INVALID_CURSOR: { http: HttpStatus.BAD_REQUEST, grpc: GrpcStatus.INVALID_ARGUMENT },
    SAGA_TYPE_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
    SAGA_TYPE_NOT_STARTABLE: { http: HttpStatus.BAD_REQUEST, grpc: GrpcStatus.INVALID_ARGUMENT },
    IDEMPOTENCY_KEY_REUSED: { http: HttpStatus.UNPROCESSABLE_ENTITY, grpc: GrpcStatus.FAILED_PRECONDITION },
  }),
} satisfies ModuleManifest;
