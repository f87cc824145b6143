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
    // Each relay delivery and each request holds at most one connection at a time. Not pg's
    // pipeline mode: with it, a transaction whose connection was killed (pg_terminate_backend)
    // could hang instead of failing (test/connection-loss.e2e-spec.ts); `beforeCommit` still
    // queues the COMMIT behind the last writes without a JavaScript round trip in between.
    extra: { max: 20 },
  };
}
