import {
  type EntityManager,
  type EntitySubscriberInterface,
  EventSubscriber,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

const KEY = 'afterCommit';

/**
 * Runs `effect` once `tx` commits, and never if it rolls back: for what must only count what
 * really happened (metrics, logs of a state change).
 */
export function afterCommit(tx: EntityManager, effect: () => void): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return effect();
  ((runner.data[KEY] as (() => void)[] | undefined) ??= []).push(effect);
}

/** Fires the effects queued by `afterCommit`; registered with every DataSource. */
@EventSubscriber()
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const effects = (queryRunner.data[KEY] as (() => void)[] | undefined) ?? [];
    delete queryRunner.data[KEY];
    for (const effect of effects) effect();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    delete queryRunner.data[KEY];
  }
}
