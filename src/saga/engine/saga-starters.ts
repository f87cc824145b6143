import { Injectable } from '@nestjs/common';

/** What a starter did: the saga it started (or had started for the same key), and what it made. */
export interface StartedSaga {
  sagaId: string;
  /** True when an earlier request with the same Idempotency-Key started this saga. */
  replayed: boolean;
  /** The business resource the start wrote beside the saga (place-order's order), as the API returns it. */
  resource: object | null;
}

/**
 * Starts a saga of one type from its validated payload (an instance of the definition's `payload`
 * class), in the owning module's own transaction, with whatever business rows its first step
 * needs; it keeps its own idempotency by `idempotencyKey`.
 */
export type SagaStarter = (payload: object, idempotencyKey: string | undefined) => Promise<StartedSaga>;

/**
 * The starters modules register for the saga types they own, by type. A type started over the API
 * without one is started by the saga module itself, its payload as its data; a type whose first
 * step is written in the starting transaction (place-order's order row) needs one.
 */
@Injectable()
export class SagaStarters {
  private readonly starters = new Map<string, SagaStarter>();

  /** Registered once per type, at start-up, by the module that registers the type's definitions. */
  register(type: string, starter: SagaStarter): void {
    if (this.starters.has(type)) throw new Error(`saga ${type} has a starter already`);
    this.starters.set(type, starter);
  }

  starterOf(type: string): SagaStarter | undefined {
    return this.starters.get(type);
  }
}
