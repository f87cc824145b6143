// What every row driven from outside its own process shares: the request (node:http with
// keep-alive, or one message over the IPC channel for the engine-only child), and the completion
// signal: a trigger on the order table NOTIFYs each order that turns terminal, so the driver sees
// the end of a saga without polling, whichever implementation wrote the row.
// Requests go through node:http with keep-alive rather than fetch: the driver shares the
// machine's two cores with what it measures, and fetch cost it three times the CPU per request.
import { spawn } from 'node:child_process';
import http from 'node:http';
import pg from 'pg';

/**
 * LISTENs on `url` for orders of `table` ('orders.orders' for the project, 'bench.orders' for the
 * hand-written services) turning from PENDING to CONFIRMED or CANCELLED. `done(id)` resolves
 * when order `id` has (at once if it already has); `fail(error)` rejects every order awaited
 * (its process died: they will never end).
 */
export async function listenForDoneOrders(url, table) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (error) => console.error(`bench listener: ${error.message}`));
  await client.connect();
  await client.query(`
    CREATE OR REPLACE FUNCTION public.bench_order_done() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_order_done', NEW.id::text); RETURN NULL; END $$;
    DROP TRIGGER IF EXISTS bench_order_done ON ${table};
    CREATE TRIGGER bench_order_done AFTER UPDATE OF status ON ${table} FOR EACH ROW
      WHEN (NEW.status IN ('CONFIRMED', 'CANCELLED') AND OLD.status = 'PENDING') EXECUTE FUNCTION public.bench_order_done();
    LISTEN bench_order_done;`);
  const waiting = new Map();
  const doneEarly = new Set(); // finished before its request was answered
  client.on('notification', ({ payload }) => {
    const waiter = waiting.get(payload);
    if (waiter) {
      waiting.delete(payload);
      waiter.resolve();
    } else doneEarly.add(payload);
  });
  return {
    done(id) {
      if (doneEarly.delete(id)) return Promise.resolve();
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    fail(error) {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
    },
    stop: () => client.end(),
  };
}

const agent = new http.Agent({ keepAlive: true });

/** POSTs a JSON body; resolves with the status and the response body as text. */
export function post(url, body) {
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

/** The request body every HTTP row gets: the project's `POST /api/v1/orders` body. */
export const orderBody = ({ productId, quantity, price }) => JSON.stringify({ customerId: 'bench', items: [{ productId, quantity, price }] });

/**
 * A saga driven through HTTP: POST `endpoint`, expect 201 with the order's `id`, await the order
 * row turning terminal.
 */
export function httpSaga(endpoint, listener) {
  return async (order) => {
    const res = await post(endpoint, orderBody(order));
    if (res.status !== 201) throw new Error(`POST ${new URL(endpoint).pathname}: ${res.status} ${res.body}`);
    await listener.done(JSON.parse(res.body).id);
  };
}

/**
 * Spawns `script` (a bench child) with an IPC channel and waits for its `{ ready }` message.
 * Then `request(message)` sends one message and resolves with the child's answer to it (matched
 * by a number `n` the child echoes); `exited` resolves with the exit code; `stop()` sends
 * SIGTERM and waits. A child that dies rejects what is pending.
 */
export async function spawnChild(script, args, env, label) {
  // BENCH_PROFILE_DIR: the child writes a CPU profile there when it stops (for finding the hot path).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let stopping = false;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const pending = new Map();
  let next = 0;
  let ready;
  const readyOrDead = new Promise((resolve, reject) => {
    ready = resolve;
    void exited.then((code) => reject(new Error(`${label} exited during start-up (${code})`)));
  });
  child.on('message', (message) => {
    if (message.ready !== undefined) return ready(message.ready);
    const waiter = pending.get(message.n);
    pending.delete(message.n);
    if (message.error) waiter?.reject(new Error(`${label}: ${message.error}`));
    else waiter?.resolve(message);
  });
  void exited.then((code) => {
    const error = new Error(`${label} exited (${code})${stopping ? '' : ' during the run'}`);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let readyValue;
  try {
    readyValue = await readyOrDead;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid,
    ready: readyValue,
    exited,
    stopping: () => stopping,
    request(message) {
      const n = next++;
      return new Promise((resolve, reject) => {
        pending.set(n, { resolve, reject });
        child.send({ ...message, n });
      });
    },
    stop,
  };
}
