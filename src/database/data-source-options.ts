import type { DataSourceOptions } from 'typeorm';
import { MODULE_NAMES, type ModuleName } from '../config/app-config.js';
import { TransactionHooksSubscriber } from './transaction-hooks.js';
import { entitiesFor } from './entities.js';
import { migrationsFor } from './migrations-runner.js';

/**
 * The one TypeORM configuration: the app, the tests and the TypeORM CLI (ormconfig.ts) share it.
 * It maps and migrates messaging's tables and those of `modules` (every module by default).
 */
export function dataSourceOptions(url: string, modules: readonly ModuleName[] = MODULE_NAMES): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: entitiesFor(modules),
    migrations: migrationsFor(modules),
    subscribers: [TransactionHooksSubscriber],
    migrationsTransactionMode: 'each',
    // Each relay delivery and each request holds at most one connection at a time. Pipeline
    // mode: a statement queued behind another is sent at once, not when the first has answered,
    // so `beforeCommit`'s last writes and the COMMIT go out together (one round trip, not two).
    extra: { max: 20, pipeline: true },
  };
}
