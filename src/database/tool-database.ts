import { existsSync, readFileSync } from 'node:fs';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';

/**
 * The database a command-line tool (`npm run verify`, `npm run migrate`) works on: DATABASE_URL,
 * or the embedded one under DATA_DIR (the running app's, or started for the tool and stopped after).
 */
export async function toolDatabase(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const dataDir = `${process.env.DATA_DIR ?? '.data'}/postgres`;
  const pidFile = `${dataDir}/postmaster.pid`;
  if (existsSync(pidFile)) {
    const port = readFileSync(pidFile, 'utf8').split('\n')[3]; // the running app's cluster: its port is line 4
    return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` };
  }
  return startEmbeddedPostgres({ dataDir });
}
