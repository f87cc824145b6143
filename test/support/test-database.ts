import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';

const runId = () => process.env.TEST_RUN_ID ?? 'local';

function urlFor(database: string): string {
  const url = new URL(process.env.TEST_ADMIN_URL ?? process.env.DATABASE_URL ?? '');
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!process.env.TEST_ADMIN_URL) throw new Error('TEST_ADMIN_URL is not set: run the tests with `npm test`');
  const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database for one test file. The first caller of a run migrates a
 * template database; every file then gets `CREATE DATABASE … TEMPLATE` (milliseconds).
 */
export async function createTestDatabase(): Promise<string> {
  const template = `saga_tpl_${runId()}`;
  const name = `saga_test_${runId()}_${randomBytes(4).toString('hex')}`;
  await admin(async (client) => {
    await client.query('SELECT pg_advisory_lock(727001)'); // one migrator; template copies one at a time
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (!rowCount) {
        await client.query(`CREATE DATABASE "${template}"`);
        const ds = new DataSource(dataSourceOptions(urlFor(template)));
        await ds.initialize();
        await ds.runMigrations();
        await ds.destroy();
      }
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await client.query('SELECT pg_advisory_unlock(727001)');
    }
  });
  return urlFor(name);
}

/** A fresh database with nothing in it, not even migrations: for tests of migrating. */
export async function createEmptyDatabase(): Promise<string> {
  const name = `saga_empty_${runId()}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return urlFor(name);
}

/** A fresh, migrated database for one test file, connected with the app's TypeORM configuration. */
export async function connectTestDatabase(): Promise<DataSource> {
  return new DataSource(dataSourceOptions(await createTestDatabase())).initialize();
}
