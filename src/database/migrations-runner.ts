import type { DataSource, MigrationInterface } from 'typeorm';
import { adoptCombinedSchema, withAdopted } from '../../migrations/combined-schema.js';
import { messagingMigrations } from '../../migrations/index.js';
import type { ModuleName } from '../config/app-config.js';
import { hostedManifests } from '../modules.js';

/** The advisory lock every process takes to migrate: one migrates, the others wait, then find nothing to do. */
const MIGRATION_LOCK = 727_100_001;

/**
 * The migrations a process runs, oldest first: messaging's, and those of the modules it hosts. A database thus
 * holds only its processes' schemas; a process that starts hosting a module later brings that
 * module's migrations then (TypeORM runs every one not recorded yet, whatever its timestamp).
 */
export function migrationsFor(modules: readonly ModuleName[]): (new () => MigrationInterface)[] {
  const all = [...messagingMigrations, ...hostedManifests(modules).flatMap((m) => m.migrations)];
  // Oldest first, as TypeORM runs them (by the timestamp ending each name; a stable sort keeps ties in list order).
  const timestamp = (m: (typeof all)[number]) => Number(m.name.slice(-13));
  return all.sort((a, b) => timestamp(a) - timestamp(b));
}

/**
 * Runs the pending migrations under a session-level advisory lock, so processes that start
 * together on one database do not race (two would both create a schema, and one would fail on
 * `duplicate key … pg_namespace_nspname_index`). First adopts a database migrated by the combined
 * initial schema (`migrations/combined-schema.ts`). Returns the names of the migrations it ran.
 */
export async function migrate(db: DataSource): Promise<{ ran: string[]; adopted: string[] }> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const adopted = await adoptCombinedSchema(runner, await recordedMigrations(db));
      const ran = (await db.runMigrations({ transaction: 'each' })).map((m) => m.name);
      return { ran, adopted };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * This process's migrations, oldest first, each with whether the database has it: `applied`,
 * `pending`, or `adoptable` (made by the combined initial schema; `migrate` records it without running it).
 */
export async function migrationStatus(db: DataSource): Promise<{ name: string; state: 'applied' | 'pending' | 'adoptable' }[]> {
  const recorded = await recordedMigrations(db);
  const counted = withAdopted(recorded);
  return db.migrations.map((m) => ({ name: m.name!, state: recorded.has(m.name!) ? 'applied' : counted.has(m.name!) ? 'adoptable' : 'pending' }));
}

/** The names in TypeORM's migrations table; none before the first migration made it. */
async function recordedMigrations(db: DataSource): Promise<Set<string>> {
  const [{ exists }]: { exists: boolean }[] = await db.query(`SELECT to_regclass('public.migrations') IS NOT NULL AS "exists"`);
  return new Set(exists ? ((await db.query('SELECT name FROM public.migrations')) as { name: string }[]).map((r) => r.name) : []);
}
