// One PostgreSQL for the whole run: DATABASE_URL when given, else a throwaway embedded
// cluster. Each test file then gets a database of its own (see test-database.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.mjs';

export default async function globalSetup() {
  process.env.TEST_RUN_ID = `${process.pid}_${Date.now().toString(36)}`;
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = join(mkdtempSync(join(tmpdir(), 'saga-test-')), 'pg');
  const cluster = await startEmbeddedPostgres({ dataDir, persistent: false });
  process.env.TEST_ADMIN_URL = cluster.url;
  globalThis.__testCluster = cluster;
}
