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
    // Each relay delivery and each request holds at most one connection at a time. Pipeline
    // mode: a statement queued behind another is sent at once, not when the first has answered,
    // so `beforeCommit`'s last writes and the COMMIT go out together (one round trip, not two).
    extra: { max: 20, pipeline: true },
  };
}
