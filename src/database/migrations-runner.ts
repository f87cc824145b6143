import type { DataSource } from 'typeorm';

/** The advisory lock every process takes to migrate: one migrates, the others wait, then find nothing to do. */
const MIGRATION_LOCK = 727_100_001;

/**
 * Runs the pending migrations under a session-level advisory lock, so processes that start
 * together on one database do not race (two would both create a schema, and one would fail on
 * `duplicate key … pg_namespace_nspname_index`). Returns the names of the migrations it ran.
 */
export async function migrate(db: DataSource): Promise<string[]> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return (await db.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/** This build's migrations, oldest first, each with whether the database has it. */
export async function migrationStatus(db: DataSource): Promise<{ name: string; applied: boolean }[]> {
  const [{ exists }]: { exists: boolean }[] = await db.query(`SELECT to_regclass('public.migrations') IS NOT NULL AS "exists"`);
  const applied = new Set(exists ? ((await db.query('SELECT name FROM public.migrations')) as { name: string }[]).map((r) => r.name) : []);
  return db.migrations.map((m) => ({ name: m.name!, applied: applied.has(m.name!) }));
}
