import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

const shared = new AsyncLocalStorage<{ tx: EntityManager; batch: boolean }>();

/**
 * Runs `work` in a transaction: the one the relay opened for a delivery (see `Delivery`), so a
 * message, the replies it causes and the rows that carry them commit together, and a batch of
 * messages costs one BEGIN and one COMMIT; or else a new one. Every message handler opens its
 * transaction this way; a handler opening one of its own beside a shared one could wait forever
 * on a row lock the shared one holds.
 */
export function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const store = shared.getStore();
  return store ? work(store.tx) : db.transaction(work);
}

/** Runs `work` with `tx` as the transaction `inTransaction` joins; `batch` if it delivers several messages. */
export function sharingTransaction<T>(tx: EntityManager, batch: boolean, work: () => Promise<T>): Promise<T> {
  return shared.run({ tx, batch }, work);
}

/** Whether `inTransaction` would join a transaction a relay opened, rather than open one. */
export function sharesTransaction(): boolean {
  return shared.getStore() !== undefined;
}

/**
 * Whether `tx` delivers a batch of several messages, so what it records may be gathered until
 * its commit: if that fails, the relay delivers the messages again one by one.
 */
export function isBatch(tx: EntityManager): boolean {
  const store = shared.getStore();
  return store?.tx === tx && store.batch;
}
