// The project itself, as users run it: the built app in child processes, driven through its
// real HTTP API. An order is done when its row turns CONFIRMED or CANCELLED: a trigger the
// benchmark adds to the order module's database NOTIFYs that, so completion is seen without polling.
// Requests go through node:http with keep-alive rather than fetch: the driver shares the
// machine's two cores with what it measures, and fetch cost it three times the CPU per request.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.mjs';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/**
 * Starts the built app on `url` with `env` and waits until its public readiness probe answers
 * (database up, migrations applied, relay running). The rate limit stays on (its cost is
 * measured) but far above what one driver sends.
 */
export async function spawnApp(url, env = {}) {
  const port = await freePort();
  // BENCH_PROFILE_DIR: the app writes a CPU profile there when it stops (for finding the hot path).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, MAIN], {
    env: { ...process.env, DATABASE_URL: url, HOST: '127.0.0.1', PORT: String(port), GRPC_PORT: '0', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'warn', RETENTION_INTERVAL_MS: '0', RATE_LIMIT: '1000000', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
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
  return { pid: child.pid, base, stop };
}

/** The app (or its front, which hosts order and saga) on `url`, and a driver that places orders through its HTTP API. */
export async function startProject(url, env = {}) {
  const app = await spawnApp(url, env);
  let listener;
  try {
    listener = await listenForDoneOrders(url);
  } catch (error) {
    await app.stop();
    throw error;
  }
  const { waiting, doneEarly } = listener;
  return {
    url,
    pid: app.pid,
    /** Places one order and resolves when it is CONFIRMED or CANCELLED. */
    async saga({ productId, quantity, price }) {
      const res = await post(`${app.base}/api/v1/orders`, JSON.stringify({ customerId: 'bench', items: [{ productId, quantity, price }] }));
      if (res.status !== 201) throw new Error(`POST /orders: ${res.status} ${res.body}`);
      const { id } = JSON.parse(res.body);
      if (doneEarly.delete(id)) return;
      await new Promise((resolve) => waiting.set(id, resolve));
    },
    async stop() {
      await listener.client.end();
      await app.stop();
    },
  };
}

/** A trigger on the order module's database NOTIFYs each order that turns terminal; the orders awaited resolve. */
async function listenForDoneOrders(url) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (error) => console.error(`bench listener: ${error.message}`));
  await client.connect();
  await client.query(`
    CREATE OR REPLACE FUNCTION public.bench_order_done() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_order_done', NEW.id::text); RETURN NULL; END $$;
    DROP TRIGGER IF EXISTS bench_order_done ON orders.orders;
    CREATE TRIGGER bench_order_done AFTER UPDATE OF status ON orders.orders FOR EACH ROW
      WHEN (NEW.status IN ('CONFIRMED', 'CANCELLED') AND OLD.status = 'PENDING') EXECUTE FUNCTION public.bench_order_done();
    LISTEN bench_order_done;`);
  const waiting = new Map();
  const doneEarly = new Set(); // finished before its POST answered
  client.on('notification', ({ payload }) => {
    const resolve = waiting.get(payload);
    if (resolve) {
      waiting.delete(payload);
      resolve();
    } else doneEarly.add(payload);
  });
  return { client, waiting, doneEarly };
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
  return {
    saga: (order) => front.saga(order),
    pid: front.pid,
    pids: [front.pid, ...others.map((p) => p.pid)],
    /** Waits until no saga is in flight (the order is terminal one hop before its saga). */
    async settle() {
      for (;;) {
        const { rows } = await dbs.saga.query(`SELECT count(*)::int AS n FROM saga.saga_instances WHERE status NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED')`);
        if (rows[0].n === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    check: async () => (await checkConsistency(dbs, 0)).map((v) => `${v.invariant} ${v.subject}: ${v.detail}`),
    /** Outbox rows not yet delivered, over every database. */
    async owed() {
      const counts = await Promise.all([...pools.values()].map((db) => db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL')));
      return counts.reduce((sum, { rows }) => sum + rows[0].n, 0);
    },
    async stop() {
      await front.stop();
      await Promise.all(others.map((p) => p.stop()));
      await Promise.all([...pools.values()].map((db) => db.end()));
    },
  };
}

const agent = new http.Agent({ keepAlive: true });

/** POSTs a JSON body; resolves with the status and the response body as text. */
function post(url, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
