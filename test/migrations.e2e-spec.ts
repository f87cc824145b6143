import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { SPLIT_FROM_COMBINED } from '../migrations/combined-schema.js';
import { MODULE_NAMES } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { migrationsFor } from '../src/database/migrations-runner.js';
import { AppProcess } from './support/app-process.js';
import { combinedMigrations } from './support/combined-migrations/index.js';
import { createEmptyDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const MIGRATE = fileURLToPath(new URL('../dist/src/migrate.js', import.meta.url));
const ALL = migrationsFor(MODULE_NAMES).map((m) => new m().name!);

/** `npm run migrate -- <command>` on `url`, as a child process: its exit code and output. */
const migrateCli = (url: string, command: string, env: Record<string, string> = {}) => {
  const run = spawnSync(process.execPath, [MIGRATE, command], { env: { ...process.env, DATABASE_URL: url, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, out: run.stdout + run.stderr };
};

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT name FROM public.migrations ORDER BY id')).rows.map((r) => r.name as string);
  } finally {
    await client.end();
  }
}

// Each test starts several processes (the app, `migrate`), a few seconds each on an idle machine
// and several times that beside the other suites.
jest.setTimeout(90_000);

describe('migrations', () => {
  const started: AppProcess[] = [];
  afterEach(async () => {
    for (const app of started.splice(0)) {
      app.kill('SIGTERM');
      await app.exited;
    }
  });

  it('three processes started at once on a fresh database: one migrates, under a lock; none fails or retries', async () => {
    const url = await createEmptyDatabase();
    const apps = await Promise.all([1, 2, 3].map(() => AppProcess.start({ DATABASE_URL: url, LOG_LEVEL: 'warn' })));
    started.push(...apps);
    for (const app of apps) expect(app.logs()).not.toMatch(/duplicate key|already exists|Unable to connect|QueryFailedError/);
    expect(await appliedMigrations(url)).toEqual(ALL); // each once
  });

  it('`migrate status` exits 1 while the database is behind and 0 once `migrate up` has applied everything', async () => {
    const url = await createEmptyDatabase();
    const behind = migrateCli(url, 'status');
    expect(behind.code).toBe(1);
    for (const name of ALL) expect(behind.out).toContain(`PENDING  ${name}`);
    expect(behind.out).toContain(`${ALL.length} pending: the database is behind this build`);

    const up = migrateCli(url, 'up');
    expect(up).toEqual({ code: 0, out: expect.stringContaining(`applied: ${ALL.join(', ')}`) });
    expect(migrateCli(url, 'up').out).toContain('nothing to apply');
    const current = migrateCli(url, 'status');
    expect(current.code).toBe(0);
    expect(current.out).toContain('the database is current');
    expect(await appliedMigrations(url)).toEqual(ALL);
  });

  it('`migrate` with MODULES=inventory knows messaging\'s and inventory\'s migrations only, and applies those', async () => {
    const url = await createEmptyDatabase();
    const mine = migrationsFor(['inventory']).map((m) => new m().name!);
    const behind = migrateCli(url, 'status', { MODULES: 'inventory' });
    expect(behind.code).toBe(1);
    expect(behind.out).toContain(`${mine.length} pending`);
    expect(behind.out).not.toMatch(/OrderSchema|SagaSchema|PaymentSchema|PoisonedSagas/);
    expect(migrateCli(url, 'up', { MODULES: 'inventory' })).toEqual({ code: 0, out: expect.stringContaining(`applied: ${mine.join(', ')}`) });
    expect(migrateCli(url, 'status', { MODULES: 'inventory' }).code).toBe(0);
    expect(migrateCli(url, 'status').code).toBe(1); // a process hosting every module would still migrate the others
  });

  it('`migrate` on a database made by the combined migrations shows what it will adopt, then records it without running it', async () => {
    const url = await createEmptyDatabase();
    const db = await new DataSource({ ...dataSourceOptions(url), migrations: combinedMigrations }).initialize();
    await db.runMigrations();
    await db.destroy();
    const behind = migrateCli(url, 'status');
    expect(behind.code).toBe(1);
    for (const name of SPLIT_FROM_COMBINED) expect(behind.out).toContain(`ADOPT    ${name}`);
    const up = migrateCli(url, 'up');
    expect(up.code).toBe(0);
    expect(up.out).toContain(`recorded without running): ${SPLIT_FROM_COMBINED.join(', ')}`);
    expect(migrateCli(url, 'status').code).toBe(0);
  });

  it('with MIGRATIONS_RUN=false the app migrates nothing and is not ready until `migrate up` has run', async () => {
    const url = await createEmptyDatabase();
    const app = await AppProcess.start({ DATABASE_URL: url, MIGRATIONS_RUN: 'false' }, '/health/live');
    started.push(app);
    const ready = () => fetch(`${app.url}/health/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: Record<string, unknown> } }));
    const before = await ready();
    expect(before.status).toBe(503);
    expect(before.body.error).toHaveProperty('migrations');
    expect(migrateCli(url, 'status').code).toBe(1);

    expect(migrateCli(url, 'up').code).toBe(0);
    // A probe that fails (a kept-alive connection the server closed meanwhile) is simply not ready yet.
    await waitFor('the app to be ready', async () => ((await ready().catch(() => undefined))?.status === 200 ? true : undefined), 20_000);
  });
});
