import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { createEmptyDatabase } from '../../test/support/test-database.js';
import { dataSourceOptions } from './data-source-options.js';
import { migrate, migrationStatus, migrationsFor } from './migrations-runner.js';
import { MODULE_NAMES } from '../config/app-config.js';

describe('migrate', () => {
  const sources: DataSource[] = [];
  afterAll(async () => {
    for (const db of sources) await db.destroy();
  });

  it('four data sources (as four processes would) migrating one fresh database at the same moment: one applies each migration, the others wait and find nothing to do', async () => {
    const url = await createEmptyDatabase();
    for (let i = 0; i < 4; i++) sources.push(await new DataSource(dataSourceOptions(url)).initialize());
    const ran = (await Promise.all(sources.map((db) => migrate(db)))).map((r) => r.ran);
    const names = migrationsFor(MODULE_NAMES).map((m) => new m().name!);
    expect(ran.flat().sort()).toEqual([...names].sort()); // each applied once, by one of them
    expect(ran.filter((r) => r.length > 0)).toHaveLength(1);
    expect((await migrationStatus(sources[0])).filter((m) => m.state !== 'applied')).toEqual([]);
  });
});
