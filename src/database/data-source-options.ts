import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { TransactionHooksSubscriber } from './transaction-hooks.js';
import { entities } from './entities.js';

/** The one TypeORM configuration: the app, the tests and the TypeORM CLI (ormconfig.ts) share it. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    subscribers: [TransactionHooksSubscriber],
    migrationsTransactionMode: 'each',
    // Each relay delivery and each request holds at most one connection at a time. Pipelined:
    // a statement is sent without waiting for the one before to answer, so a transaction's last
    // writes and its COMMIT travel together (see `beforeCommit`).
    extra: { max: 20, pipeline: true },
  };
}
