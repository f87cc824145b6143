// `npm run verify`: checks every invariant on a database (DATABASE_URL, or the embedded one under
// DATA_DIR, started for the check if the app is not running) and exits 1 if any is broken.
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { releaseSignalHandlers, startEmbeddedPostgres } from './database/embedded-postgres.mjs';
import { CHECKS, checkConsistency } from './verify/consistency-check.js';

async function databaseUrl(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const dataDir = `${process.env.DATA_DIR ?? '.data'}/postgres`;
  const pidFile = `${dataDir}/postmaster.pid`;
  if (existsSync(pidFile)) {
    const port = readFileSync(pidFile, 'utf8').split('\n')[3]; // the running app's cluster: its port is line 4
    return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` };
  }
  return startEmbeddedPostgres({ dataDir });
}

async function main(): Promise<void> {
  releaseSignalHandlers(); // keep our exit code
  const slackMs = Number(process.env.VERIFY_SLACK_MS ?? 30_000);
  const { url, stop } = await databaseUrl();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: schema } = await client.query(`SELECT to_regclass('saga.saga_instances') IS NOT NULL AS migrated`);
    if (!schema[0].migrated) {
      console.error('This database has no saga tables: start the app on it once (it migrates at start-up).');
      process.exitCode = 2;
      return;
    }
    const violations = await checkConsistency(client, slackMs);
    const { rows } = await client.query(`SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1 ORDER BY 1`);
    console.log(`sagas: ${rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'none'}`);
    for (const check of CHECKS) {
      const broken = violations.filter((v) => v.invariant === check.invariant);
      console.log(`${broken.length === 0 ? 'ok  ' : 'FAIL'} ${check.invariant}: ${check.rule}${broken.length ? ` (${broken.length})` : ''}`);
      for (const v of broken.slice(0, 20)) console.log(`       ${v.subject}: ${v.detail}`);
    }
    if (violations.length > 0) process.exitCode = 1;
  } finally {
    await client.end();
    await stop?.();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
