// `npm run migrate -- status`: lists this process's migrations (messaging's and those of the
// modules in MODULES) and whether the database has each; exits 1 when any is pending (the
// database is behind this build), 0 when it is current.
// `npm run migrate -- up`: applies the pending ones, under the lock the app's start-up takes too.
// The database: DATABASE_URL, or the embedded one under DATA_DIR. For deployments that migrate
// as a step of their own and start the app with MIGRATIONS_RUN=false: give it the app's environment.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './config/app-config.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { releaseSignalHandlers } from './database/embedded-postgres.mjs';
import { migrate, migrationStatus } from './database/migrations-runner.js';
import { toolDatabase } from './database/tool-database.js';

const LABEL = { applied: 'applied', pending: 'PENDING', adoptable: 'ADOPT  ' } as const;

async function main(command: string | undefined): Promise<number> {
  if (command !== 'status' && command !== 'up') {
    console.error('usage: npm run migrate -- status | up');
    return 2;
  }
  const { modules } = loadConfig(); // the same MODULES (and checks) as the app it migrates for
  releaseSignalHandlers(); // keep our exit code
  const { url, stop } = await toolDatabase();
  const db = await new DataSource(dataSourceOptions(url, modules)).initialize();
  try {
    console.log(`modules: ${modules.join(', ')} (and messaging)`);
    if (command === 'up') {
      const { ran, adopted } = await migrate(db);
      if (adopted.length > 0) console.log(`adopted (made by the combined initial schema, recorded without running): ${adopted.join(', ')}`);
      console.log(ran.length > 0 ? `applied: ${ran.join(', ')}` : 'nothing to apply: the database is current');
      return 0;
    }
    const status = await migrationStatus(db);
    for (const m of status) console.log(`${LABEL[m.state]}  ${m.name}`);
    const pending = status.filter((m) => m.state !== 'applied').length;
    console.log(pending > 0 ? `${pending} pending: the database is behind this build` : 'the database is current');
    return pending > 0 ? 1 : 0;
  } finally {
    await db.destroy();
    await stop?.();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error); // a bad setting too: ConfigError names it
    process.exit(2);
  },
);
