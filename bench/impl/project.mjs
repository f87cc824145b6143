// The project itself, as users run it: the built app in child processes, driven through its
// real HTTP API; and its engine alone (bench/impl/engine.mjs), the same app built but not
// listening, sent orders over the IPC channel. An order is done when its row turns CONFIRMED or
// CANCELLED: a trigger the benchmark adds to the order module's database NOTIFYs that, so
// completion is seen without polling (bench/impl/driver.mjs).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.mjs';
import { httpSaga, listenForDoneOrders, spawnChild } from './driver.mjs';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const ENGINE = fileURLToPath(new URL('./engine.mjs', import.meta.url));

/**
 * The app's environment on `url`: no demo data, quiet logs, no retention pass during a run. The
 * rate limit stays on (its cost is measured) but far above what one driver sends. Orders run the
 * order saga v1 (reserve, charge, confirm), the business process the baseline and DBOS rows
 * implement, so the rows compare like for like; BENCH_ORDER_SAGA_VERSION=2 measures the default
 * v2 (stock and card held at once, capture, stock shipped, confirm, notify: twice the messages).
 */
const appEnv = (url, port, env) => ({
  DATABASE_URL: url,
  HOST: '127.0.0.1',
  PORT: String(port),
  GRPC_PORT: '0',
  SEED_DEMO_DATA: 'false',
  LOG_LEVEL: 'warn',
  RETENTION_INTERVAL_MS: '0',
  RATE_LIMIT: '1000000',
  PLACE_ORDER_SAGA_VERSION: process.env.BENCH_ORDER_SAGA_VERSION ?? '1',
  ...env,
});

/**
 * Starts the built app on `url` with `env` and waits until its public readiness probe answers
 * (database up, migrations applied, relay running).
 */
export async function spawnApp(url, env = {}) {
  const port = await freePort();
  // BENCH_PROFILE_DIR: the app writes a CPU profile there when it stops (for finding the hot path).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, MAIN], { env: { ...process.env, ...appEnv(url, port, env) }, stdio: ['ignore', 'ignore', 'inherit'] });
  let stopping = false;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the app (MODULES=${env.MODULES ?? 'all'}) exited during start-up`);
    if (await fetch(`${base}/health/ready`).then((r) => r.ok, () => false)) break;
    if (i > 300) {
      await stop(); // a process that never became ready must not outlive the run
      throw new Error(`the app (MODULES=${env.MODULES ?? 'all'}) did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid, base, exited, stopping: () => stopping, stop };
}

/** The app (or its front, which hosts order and saga) on `url`, and a driver that places orders through its HTTP API. */
export async function startProject(url, env = {}) {
  const app = await spawnApp(url, env);
  return drivenBy(app, url, (listener) => httpSaga(`${app.base}/api/v1/orders`, listener));
}

/**
 * The project's engine alone on `url`: the app built as main.ts builds it, not listening; each
 * order one IPC message to it, which puts it on the command bus `POST /orders` uses. Awaited
 * like the HTTP rows (the order row's NOTIFY).
 */
export async function startProjectEngine(url) {
  const engine = await spawnChild(ENGINE, [], appEnv(url, 0, {}), 'the project engine');
  return drivenBy(engine, url, (listener) => async (order) => {
    const { id } = await engine.request({ order });
    await listener.done(id);
  });
}

/** `app` driven by the saga `sagaOf(listener)` makes, its orders awaited on `url`; a crash of `app` fails the run. */
async function drivenBy(app, url, sagaOf) {
  let listener;
  try {
    listener = await listenForDoneOrders(url, 'orders.orders');
  } catch (error) {
    await app.stop();
    throw error;
  }
  void app.exited.then((code) => {
    if (!app.stopping()) listener.fail(new Error(`the app exited during the run (${code})`));
  });
  return {
    url,
    pid: app.pid,
    /** Places one order and resolves when it is CONFIRMED or CANCELLED. */
    saga: sagaOf(listener),
    async stop() {
      await listener.stop();
      await app.stop();
    },
  };
}

/**
 * What the benchmark runs and checks of a deployment: `front` (from `startProject`), the other
 * processes it needs (`spawnApp`'s), and each module's database URL (one URL for all in one process).
 */
export async function projectRun(front, urls, others = []) {
  const pools = new Map([...new Set(Object.values(urls))].map((url) => [url, new pg.Pool({ connectionString: url, max: 2 })]));
  const dbs = Object.fromEntries(Object.entries(urls).map(([module, url]) => [module, pools.get(url)]));
  await dbs.inventory.query(`INSERT INTO inventory.products (id, name, price, available, stocked) VALUES
    ('bench_beans', 'beans', 5.00, 10000000, 10000000), ('bench_grinder', 'grinder', 600.00, 10000000, 10000000)
    ON CONFLICT (id) DO NOTHING`);
  const { checkConsistency } = await import('../../dist/src/verify/consistency-check.js');
  /** Outbox rows not yet delivered, over every database. */
  const owed = async () => {
    const counts = await Promise.all([...pools.values()].map((db) => db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL')));
    return counts.reduce((sum, { rows }) => sum + rows[0].n, 0);
  };
  return {
    saga: (order) => front.saga(order),
    pid: front.pid,
    pids: [front.pid, ...others.map((p) => p.pid)],
    /**
     * Waits until no saga is in flight (the order is terminal one hop before its saga), then until
     * the outbox owes nothing (the events an order's end sends, such as OrderConfirmed, go out
     * after it), for at most 30 s: what is still owed then is left for `owed()` to report.
     */
    async settle() {
      for (;;) {
        const { rows } = await dbs.saga.query(`SELECT count(*)::int AS n FROM saga.saga_instances WHERE status NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED')`);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const deadline = performance.now() + 30_000;
      while ((await owed()) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
    check: async () => (await checkConsistency(dbs, 0)).map((v) => `${v.invariant} ${v.subject}: ${v.detail}`),
    owed,
    async stop() {
      await front.stop();
      await Promise.all(others.map((p) => p.stop()));
      await Promise.all([...pools.values()].map((db) => db.end()));
    },
  };
}
