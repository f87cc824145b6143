import {
  type EntityManager,
  type EntitySubscriberInterface,
  EventSubscriber,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

const AFTER = 'afterCommit';
const BEFORE = 'beforeCommit';

/**
 * Runs `effect` once `tx` commits, and never if it rolls back: for what must only count what
 * really happened (metrics, logs of a state change, handing rows to the relay).
 */
export function afterCommit(tx: EntityManager, effect: () => void): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return effect();
  ((runner.data[AFTER] as (() => void)[] | undefined) ??= []).push(effect);
}

interface Gathered {
  items: unknown[];
  flush(items: unknown[]): Promise<void>;
}

/**
 * Gathers `items` under `key` until just before `tx` commits, then hands them all to `flush`
 * at once (the `flush` of the first call), so that what a transaction adds along the way is
 * written in one statement; a failing flush rolls the transaction back. Outside a transaction
 * it flushes at once.
 */
export async function beforeCommit<T>(tx: EntityManager, key: string, items: T[], flush: (items: T[]) => Promise<void>): Promise<void> {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return flush(items);
  const gathered = ((runner.data[BEFORE] as Map<string, Gathered> | undefined) ??= new Map());
  const entry = gathered.get(key);
  if (entry) entry.items.push(...items);
  else gathered.set(key, { items: [...items], flush: flush as Gathered['flush'] });
}

/** Fires the hooks queued by `beforeCommit` and `afterCommit`; registered with every DataSource. */
@EventSubscriber()
export class TransactionHooksSubscriber implements EntitySubscriberInterface {
  async beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    const gathered = queryRunner.data[BEFORE] as Map<string, Gathered> | undefined;
    delete queryRunner.data[BEFORE];
    for (const { items, flush } of gathered?.values() ?? []) await flush(items);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const effects = (queryRunner.data[AFTER] as (() => void)[] | undefined) ?? [];
    delete queryRunner.data[AFTER];
    for (const effect of effects) effect();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    delete queryRunner.data[BEFORE];
    delete queryRunner.data[AFTER];
  }
}
