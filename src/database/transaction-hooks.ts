import {
  type EntityManager,
  type EntitySubscriberInterface,
  EventSubscriber,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

// What a transaction does just before its COMMIT (its gathered writes) and after it (its
// effects) is kept on the transaction's own QueryRunner, not in a delivery's context: every
// transaction has these (an HTTP request's, a timer's, a delivery's), TypeORM's commit events
// fire them from the one place that sees the COMMIT go out, and the code that gathers a write
// holds the transaction whatever started it. One mechanism, for every transaction.
const AFTER = 'afterCommit';
const BEFORE = 'beforeCommit';
const FLUSHES = 'flushes';

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
  flush(items: unknown[]): Promise<unknown>;
}

/**
 * Gathers `items` under `key` until just before `tx` commits, then hands them all to `flush`
 * at once (the `flush` of the first call), so that what a transaction adds along the way is
 * written in one statement; a failing flush rolls the transaction back. Outside a transaction
 * it flushes at once.
 *
 * The COMMIT is sent right behind the flushes, without waiting for their results (one round
 * trip, not two; the connection pipelines them), so `flush` must send its statement with
 * `execute` before it returns, and must not be an `async` function: whatever fails before the
 * statement is sent (building its parameters, say) must throw, not reject, so that the COMMIT
 * is never sent (a rejection would be seen only after the COMMIT, which would then commit the
 * transaction without the flush's write). A statement that fails aborts the transaction,
 * PostgreSQL then answers the COMMIT with a rollback, and the commit throws the flush's error.
 */
export async function beforeCommit<T>(tx: EntityManager, key: string, items: T[], flush: (items: T[]) => Promise<unknown>): Promise<void> {
  if (flush.constructor.name === 'AsyncFunction') throw new Error(`beforeCommit(${key}): the flush must not be async (see its documentation)`);
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return void (await flush(items));
  const gathered = ((runner.data[BEFORE] as Map<string, Gathered> | undefined) ??= new Map());
  const entry = gathered.get(key);
  if (entry) entry.items.push(...items);
  else gathered.set(key, { items: [...items], flush: flush as Gathered['flush'] });
}

/** The items gathered under `key` in `tx` and not written yet (see `beforeCommit`), in the order they came. */
export function gathered<T>(tx: EntityManager, key: string): readonly T[] {
  const entry = (tx.queryRunner?.data[BEFORE] as Map<string, Gathered> | undefined)?.get(key);
  return (entry?.items ?? []) as T[];
}

/**
 * Writes what `tx` gathered under `key` now instead of before the commit, for a caller about to
 * read back what those writes change. What is gathered under `key` afterwards waits for the
 * commit as usual.
 */
export async function flushGathered(tx: EntityManager, key: string): Promise<void> {
  const all = tx.queryRunner?.data[BEFORE] as Map<string, Gathered> | undefined;
  const entry = all?.get(key);
  if (!entry) return;
  all!.delete(key);
  await entry.flush(entry.items);
}

/** Fires the hooks queued by `beforeCommit` and `afterCommit`; registered with every DataSource. */
@EventSubscriber()
export class TransactionHooksSubscriber implements EntitySubscriberInterface {
  beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const gathered = queryRunner.data[BEFORE] as Map<string, Gathered> | undefined;
    delete queryRunner.data[BEFORE];
    if (!gathered) return;
    // Sent now, in order, ahead of the COMMIT; their outcome is read once the COMMIT has answered.
    const flushes: Promise<unknown>[] = [];
    for (const { items, flush } of gathered.values()) {
      try {
        flushes.push(flush(items));
      } catch (error) {
        // Not sent: throwing here keeps the COMMIT from being sent, and the transaction rolls back.
        for (const sent of flushes) sent.catch(() => undefined); // their statements fail with the rollback
        throw error;
      }
    }
    queryRunner.data[FLUSHES] = Promise.allSettled(flushes);
  }

  async afterTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    const flushes = queryRunner.data[FLUSHES] as Promise<PromiseSettledResult<void>[]> | undefined;
    const effects = (queryRunner.data[AFTER] as (() => void)[] | undefined) ?? [];
    delete queryRunner.data[FLUSHES];
    delete queryRunner.data[AFTER];
    const failed = (await flushes)?.find((outcome) => outcome.status === 'rejected');
    // The COMMIT of an aborted transaction rolls it back without an error: nothing happened.
    if (failed) throw failed.reason;
    for (const effect of effects) effect();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    delete queryRunner.data[BEFORE];
    delete queryRunner.data[FLUSHES];
    delete queryRunner.data[AFTER];
  }
}
