import pg from 'pg';

export default async function globalTeardown() {
  if (globalThis.__testCluster) return globalThis.__testCluster.stop();
  // On a shared server (DATABASE_URL), drop what this run created.
  const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await client.connect();
  const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`saga_%${process.env.TEST_RUN_ID}%`]);
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await client.end();
}
