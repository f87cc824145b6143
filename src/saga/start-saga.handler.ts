import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { validateWithin } from '../http/validation.js';
import type { SagaDefinition } from './engine/saga-definition.js';
import { SagaEngine } from './engine/saga-engine.js';
import { SagaInstance } from './engine/saga-instance.entity.js';
import { type StartedSaga, SagaStarters } from './engine/saga-starters.js';
import { SagaIdempotencyKey } from './saga-idempotency-key.entity.js';
import { SagaError } from './saga.errors.js';
import { type SagaStartResult, StartSaga } from './saga.messages.js';

type Startable = SagaDefinition<object> & { payload: new () => object };

/** Claims an idempotency key for the saga about to start; no row comes back if a request claimed it before. */
const CLAIM_KEY = 'INSERT INTO saga.idempotency_keys (key, request_hash, saga_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING 1';

/**
 * Starts a saga of any registered type that declares a payload (behind POST /sagas and gRPC
 * StartSaga): the payload is checked against the newest version's payload class, then handed to
 * the starter its module registered, or else started here with the payload as its data.
 */
@CommandHandler(StartSaga)
export class StartSagaHandler implements ICommandHandler<StartSaga, SagaStartResult> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: SagaEngine,
    private readonly starters: SagaStarters,
  ) {}

  async execute({ sagaType, payload, idempotencyKey }: StartSaga): Promise<SagaStartResult> {
    const definition = this.startable(sagaType);
    const input = await validateWithin('payload', definition.payload, payload);
    const starter = this.starters.starterOf(sagaType);
    const started = starter ? await starter(input, idempotencyKey) : await this.start(definition, input, idempotencyKey);
    return this.answer(started);
  }

  /** The newest registered version of `type`, if it declares a payload. */
  private startable(type: string): Startable {
    const versions = this.engine.registered().filter((d) => d.type === type);
    if (versions.length === 0) throw new SagaError('SAGA_TYPE_NOT_FOUND', `sagaType ${type} is not a registered saga type`);
    const newest = versions.reduce((a, b) => ((b.version ?? 1) > (a.version ?? 1) ? b : a));
    if (!newest.payload) throw new SagaError('SAGA_TYPE_NOT_STARTABLE', `sagaType ${type} declares no payload: it is not started over the API`);
    return newest as Startable;
  }

  /** A type without a starter: its saga alone, the validated payload as its data, in one transaction with its key. */
  private start(definition: Startable, input: object, idempotencyKey: string | undefined): Promise<StartedSaga> {
    const data = JSON.parse(JSON.stringify(input)) as object; // plain, as every later step will read it back
    const requestHash = createHash('sha256').update(canonical({ sagaType: definition.type, payload: data })).digest('hex');
    const sagaId = randomUUID();
    return this.db.transaction(async (tx) => {
      const earlier = idempotencyKey ? await claimKey(tx, idempotencyKey, requestHash, sagaId) : null;
      if (earlier) return earlier;
      await this.engine.start(tx, definition, data, sagaId);
      return { sagaId, replayed: false, resource: null };
    });
  }

  /** The saga as it is now: the same saga, whichever request with its key asks. */
  private async answer({ sagaId, replayed, resource }: StartedSaga): Promise<SagaStartResult> {
    const saga = await this.db.getRepository(SagaInstance).findOneBy({ id: sagaId });
    // Finished long ago and purged (SAGA_RETENTION), while the key was kept.
    if (!saga) throw new SagaError('SAGA_NOT_FOUND', `Saga ${sagaId}, started by this Idempotency-Key, is no longer kept`);
    return { sagaId, sagaType: saga.type, version: saga.definitionVersion, status: saga.status, resource, replayed };
  }
}

/**
 * Claims an idempotency key, or returns the saga of the request that claimed it first. A
 * concurrent duplicate blocks on the key's row until the first transaction ends, then replays
 * its saga (or, if it rolled back, claims the key itself).
 */
async function claimKey(tx: EntityManager, key: string, requestHash: string, sagaId: string): Promise<StartedSaga | null> {
  const claimed: unknown[] = await tx.query(CLAIM_KEY, [key, requestHash, sagaId]);
  if (claimed.length === 1) return null;
  const earlier = await tx.findOneByOrFail(SagaIdempotencyKey, { key });
  if (earlier.requestHash !== requestHash) throw new SagaError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
  return { sagaId: earlier.sagaId, replayed: true, resource: null };
}

/** JSON with every object's keys sorted: one request however its fields were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
