import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { SPLIT_FROM_COMBINED } from '../../migrations/combined-schema.js';
import { combinedMigrations } from '../../test/support/combined-migrations/index.js';
import { snapshotSchema } from '../../test/support/schema-snapshot.js';
import { createEmptyDatabase } from '../../test/support/test-database.js';
import { MODULE_NAMES, type ModuleName } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { migrate, migrationStatus, migrationsFor } from './migrations-runner.js';

const names = (modules: readonly ModuleName[]) => migrationsFor(modules).map((m) => new m().name!);
const COMBINED = combinedMigrations.map((m) => new m().name);

/** What a process hosting `modules` does to the database at start. */
async function migrateFor(url: string, modules: readonly ModuleName[]) {
  const db = await new DataSource(dataSourceOptions(url, modules)).initialize();
  try {
    return { ...(await migrate(db)), status: await migrationStatus(db) };
  } finally {
    await db.destroy();
  }
}

/** A database as the builds before per-module migrations left it: every module's schema by the combined migrations. */
async function combinedDatabase(): Promise<string> {
  const url = await createEmptyDatabase();
  const db = await new DataSource({ ...dataSourceOptions(url), migrations: combinedMigrations }).initialize();
  await db.runMigrations({ transaction: 'each' });
  await db.destroy();
  return url;
}

describe('migrations per module', () => {
  it('a process hosting inventory migrates an empty database to the messaging and inventory schemas only; hosting payment too later brings payment’s then', async () => {
    const url = await createEmptyDatabase();
    const first = await migrateFor(url, ['inventory']);
    expect(first.ran).toEqual(names(['inventory']));
    expect(first.ran).toEqual(expect.arrayContaining(['MessagingSchema1763800000000', 'InventorySchema1763800000000']));
    expect((await snapshotSchema(url)).schemas).toEqual(['inventory', 'messaging']);

    const second = await migrateFor(url, ['inventory', 'payment']);
    expect(second.ran).toEqual(['PaymentSchema1763800000000']);
    expect(second.status.every((m) => m.state === 'applied')).toBe(true);
    expect((await snapshotSchema(url)).schemas).toEqual(['inventory', 'messaging', 'payment']);
  });

  it('a database migrated by the combined migrations is adopted (its per-module equivalents recorded, not run) and ends with the schema of a fresh one', async () => {
    const url = await combinedDatabase();
    const fresh = await createEmptyDatabase();
    await migrateFor(fresh, MODULE_NAMES);

    const full = await migrateFor(url, MODULE_NAMES);
    expect(full.adopted).toEqual(SPLIT_FROM_COMBINED);
    expect(full.ran).toEqual(names(MODULE_NAMES).filter((n) => !COMBINED.includes(n) && !SPLIT_FROM_COMBINED.includes(n))); // only migrations newer than the combined set
    expect(full.status.filter((m) => m.state !== 'applied')).toEqual([]);
    expect(await snapshotSchema(url)).toEqual(await snapshotSchema(fresh));
  });

  it('on a combined database, the status shows the equivalents as adoptable until a process adopts them, whatever modules it hosts', async () => {
    const url = await combinedDatabase();
    const db = await new DataSource(dataSourceOptions(url, MODULE_NAMES)).initialize();
    try {
      const status = await migrationStatus(db);
      expect(status.filter((m) => m.state === 'adoptable').map((m) => m.name).sort()).toEqual([...SPLIT_FROM_COMBINED].sort());
      expect(status.filter((m) => COMBINED.includes(m.name)).every((m) => m.state === 'applied')).toBe(true);
    } finally {
      await db.destroy();
    }
    const inventoryOnly = await migrateFor(url, ['inventory']);
    expect(inventoryOnly.adopted).toEqual(SPLIT_FROM_COMBINED); // the combined schema made every module's tables
    expect(inventoryOnly.ran).toEqual(names(['inventory']).filter((n) => !COMBINED.includes(n) && !SPLIT_FROM_COMBINED.includes(n)));
    const rest = await migrateFor(url, MODULE_NAMES);
    expect(rest.ran).toEqual(names(MODULE_NAMES).filter((n) => !COMBINED.includes(n) && !SPLIT_FROM_COMBINED.includes(n) && !names(['inventory']).includes(n)));
  });
});
