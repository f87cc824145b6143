// `npm run verify`: checks every invariant and exits 1 if any is broken. Each module's tables are
// read from that module's database: <MODULE>_DATABASE_URL (e.g. INVENTORY_DATABASE_URL) where a
// module has its own, else DATABASE_URL, else the embedded one under DATA_DIR (started for the
// check if the app is not running).
import pg from 'pg';
import { withAdopted } from '../migrations/combined-schema.js';
import { MODULE_NAMES, type ModuleName } from './config/app-config.js';
import { releaseSignalHandlers } from './database/embedded-postgres.mjs';
import { moduleDatabases } from './database/tool-database.js';
import { MODULES } from './modules.js';
import { CHECKS, checkConsistency, type ModuleDatabases } from './verify/consistency-check.js';

/** A URL fit to print: without its password. */
const shown = (url: string) => url.replace(/:[^:@/]+@/, ':***@');

/** Whether `module`'s schema is in its database: its first migration is recorded there. */
async function migratedFor(db: pg.Client, module: ModuleName): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regclass('public.migrations') IS NOT NULL AS "exists"`);
  if (!rows[0].exists) return false;
  const recorded = new Set((await db.query('SELECT name FROM public.migrations')).rows.map((r: { name: string }) => r.name));
  return withAdopted(recorded).has(new MODULES[module].migrations[0]().name!);
}

async function main(): Promise<void> {
  releaseSignalHandlers(); // keep our exit code
  const slackMs = Number(process.env.VERIFY_SLACK_MS ?? 30_000);
  const { urls, stop } = await moduleDatabases();
  // One connection per database, shared by the modules in it.
  const clients = new Map<string, pg.Client>();
  try {
    for (const url of new Set(Object.values(urls))) {
      const client = new pg.Client({ connectionString: url });
      clients.set(url, client);
      await client.connect();
    }
    const dbs = Object.fromEntries(MODULE_NAMES.map((m) => [m, clients.get(urls[m])!])) as Record<ModuleName, pg.Client>;
    for (const url of clients.keys()) console.log(`database ${shown(url)}: ${MODULE_NAMES.filter((m) => urls[m] === url).join(', ')}`);
    const missing: ModuleName[] = [];
    for (const m of MODULE_NAMES) if (!(await migratedFor(dbs[m], m))) missing.push(m);
    if (missing.length > 0) {
      for (const m of missing) console.error(`The ${m} tables are not in ${shown(urls[m])}: set ${m.toUpperCase()}_DATABASE_URL to the database of the process hosting ${m}, or migrate this one (\`MODULES=${m} npm run migrate -- up\`).`);
      process.exitCode = 2;
      return;
    }
    await report(dbs, slackMs);
  } finally {
    for (const client of clients.values()) await client.end();
    await stop?.();
  }
}

async function report(dbs: ModuleDatabases, slackMs: number): Promise<void> {
  const violations = await checkConsistency(dbs, slackMs);
  const { rows } = await dbs.saga.query(`SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1 ORDER BY 1`);
  console.log(`sagas: ${rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'none'}`);
  for (const check of CHECKS) {
    const broken = violations.filter((v) => v.invariant === check.invariant);
    console.log(`${broken.length === 0 ? 'ok  ' : 'FAIL'} ${check.invariant}: ${check.rule}${broken.length ? ` (${broken.length})` : ''}`);
    for (const v of broken.slice(0, 20)) console.log(`       ${v.subject}: ${v.detail}`);
  }
  if (violations.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
