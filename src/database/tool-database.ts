import { existsSync, readFileSync } from 'node:fs';
import { MODULE_NAMES, type ModuleName } from '../config/app-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';

type Env = Record<string, string | undefined>;

/**
 * The database a command-line tool (`npm run verify`, `npm run migrate`) works on: DATABASE_URL,
 * or the embedded one under DATA_DIR (the running app's, or started for the tool and stopped after).
 */
export async function toolDatabase(env: Env = process.env): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  const dataDir = `${env.DATA_DIR ?? '.data'}/postgres`;
  const pidFile = `${dataDir}/postmaster.pid`;
  if (existsSync(pidFile)) {
    const port = readFileSync(pidFile, 'utf8').split('\n')[3]; // the running app's cluster: its port is line 4
    return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` };
  }
  return startEmbeddedPostgres({ dataDir });
}

/**
 * Each module's database, for a tool that reads them all (`npm run verify`): `<MODULE>_DATABASE_URL`
 * (e.g. INVENTORY_DATABASE_URL) where a module has a database of its own, else the one above.
 */
export async function moduleDatabases(env: Env = process.env): Promise<{ urls: Record<ModuleName, string>; stop?: () => Promise<void> }> {
  const own = (m: ModuleName) => env[`${m.toUpperCase()}_DATABASE_URL`];
  const shared = MODULE_NAMES.every(own) ? undefined : await toolDatabase(env);
  const urls = Object.fromEntries(MODULE_NAMES.map((m) => [m, own(m) || shared!.url])) as Record<ModuleName, string>;
  return { urls, stop: shared?.stop };
}
