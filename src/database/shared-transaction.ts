import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

const shared = new AsyncLocalStorage<EntityManager>();

/**
 * Runs `work` in a transaction: the one a batch of deliveries shares (see `Relay`), so many
 * messages cost one BEGIN and one COMMIT, or else a new one. Every message handler opens its
 * transaction this way; a handler opening one of its own beside a shared one could wait forever
 * on a row lock the shared one holds.
 */
export function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const tx = shared.getStore();
  return tx ? work(tx) : db.transaction(work);
}

/** Runs `work` with `tx` as the transaction `inTransaction` joins. */
export function sharingTransaction<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
  return shared.run(tx, work);
}

/** Whether `tx` is a batch's shared transaction (so what it writes may be gathered until its commit). */
export function isShared(tx: EntityManager): boolean {
  return shared.getStore() === tx;
}
