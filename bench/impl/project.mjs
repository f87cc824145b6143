// The project itself, as users run it: the built app in a child process, driven through its
// real HTTP API. An order is done when its row turns CONFIRMED or CANCELLED: a trigger the
// benchmark adds to its database NOTIFYs that, so completion is seen without polling.
// Requests go through node:http with keep-alive rather than fetch: the driver shares the
// machine's two cores with what it measures, and fetch cost it three times the CPU per request.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.mjs';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

// The rate limit stays on (its cost is measured) but far above what one driver sends.
export async function startProject(url, env = {}) {
  const port = await freePort();
  // BENCH_PROFILE_DIR: the app writes a CPU profile there when it stops (for finding the hot path).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, MAIN], {
    env: { ...process.env, DATABASE_URL: url, HOST: '127.0.0.1', PORT: String(port), GRPC_PORT: '0', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'warn', RETENTION_INTERVAL_MS: '0', RATE_LIMIT: '1000000', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error('the app exited during start-up');
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('the app did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const listener = new pg.Client({ connectionString: url });
  listener.on('error', (error) => console.error(`bench listener: ${error.message}`));
  await listener.connect();
  await listener.query(`
    CREATE OR REPLACE FUNCTION public.bench_order_done() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_order_done', NEW.id::text); RETURN NULL; END $$;
    DROP TRIGGER IF EXISTS bench_order_done ON orders.orders;
    CREATE TRIGGER bench_order_done AFTER UPDATE OF status ON orders.orders FOR EACH ROW
      WHEN (NEW.status IN ('CONFIRMED', 'CANCELLED') AND OLD.status = 'PENDING') EXECUTE FUNCTION public.bench_order_done();
    LISTEN bench_order_done;`);
  const waiting = new Map();
  const doneEarly = new Set(); // finished before its POST answered
  listener.on('notification', ({ payload }) => {
    const resolve = waiting.get(payload);
    if (resolve) {
      waiting.delete(payload);
      resolve();
    } else doneEarly.add(payload);
  });

  return {
    url,
    pid: child.pid,
    /** Places one order and resolves when it is CONFIRMED or CANCELLED. */
    async saga({ productId, quantity, price }) {
      const res = await post(`${base}/api/v1/orders`, JSON.stringify({ customerId: 'bench', items: [{ productId, quantity, price }] }));
      if (res.status !== 201) throw new Error(`POST /orders: ${res.status} ${res.body}`);
      const { id } = JSON.parse(res.body);
      if (doneEarly.delete(id)) return;
      await new Promise((resolve) => waiting.set(id, resolve));
    },
    async stop() {
      await listener.end();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
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
