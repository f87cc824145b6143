// `npm run verify`: checks every invariant on a database (DATABASE_URL, or the embedded one under
// DATA_DIR, started for the check if the app is not running) and exits 1 if any is broken.
import pg from 'pg';
import { releaseSignalHandlers } from './database/embedded-postgres.mjs';
import { toolDatabase } from './database/tool-database.js';
import { CHECKS, checkConsistency } from './verify/consistency-check.js';

async function main(): Promise<void> {
  releaseSignalHandlers(); // keep our exit code
  const slackMs = Number(process.env.VERIFY_SLACK_MS ?? 30_000);
  const { url, stop } = await toolDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: schema } = await client.query(`SELECT to_regclass('saga.saga_instances') IS NOT NULL AS migrated`);
    if (!schema[0].migrated) {
      console.error('This database has no saga tables: start the app on it once (it migrates at start-up), or run `npm run migrate -- up`.');
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
