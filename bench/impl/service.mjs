// A hand-written comparison behind HTTP, a child process of the benchmark (`baseline-http`,
// `dbos-http`): a minimal node:http service that serves `POST /orders` as the project does. It
// writes what makes the order durable (the baseline: the PENDING order and its first outbox row;
// DBOS: the workflow's status row), answers 201 with the order's id at once, and runs the rest of
// the saga in the background: the same functions as the engine-only rows, split where the answer
// goes. The driver posts the project's request body through the same keep-alive agent and awaits
// the order row turning terminal by the same trigger and NOTIFY.
//   node bench/impl/service.mjs baseline|dbos   (DATABASE_URL; BENCH_POOL connections, 16)
//   messages out: { ready: port } once; in: { n, settle: true }, answered { n } once no saga runs
import http from 'node:http';
import pg from 'pg';

const kind = process.argv[2];
const url = process.env.DATABASE_URL;
const poolSize = Number(process.env.BENCH_POOL ?? 16);
const db = new pg.Pool({ connectionString: url, max: poolSize });
db.on('error', (error) => console.error(`${kind} service pool: ${error.message}`));

/** place(order): resolves once the order is durable, with its id and the promise of the rest. */
let place;
let shutdownEngine = async () => undefined;
if (kind === 'baseline') {
  const { placeBaselineOrder, runBaselineOrder } = await import('./baseline.mjs');
  place = async (order) => {
    const placed = await placeBaselineOrder(db, order);
    return { id: placed.id, rest: runBaselineOrder(db, placed) };
  };
} else if (kind === 'dbos') {
  const { launchDbos, shutdownDbos, startDbosOrder } = await import('./dbos.mjs');
  await launchDbos(url, db, poolSize);
  shutdownEngine = shutdownDbos;
  place = async (order) => {
    const { id, handle } = await startDbosOrder(order);
    return { id, rest: handle.getResult() };
  };
} else {
  throw new Error(`unknown service ${kind}: baseline or dbos`);
}

let running = 0;
const idle = [];
const finished = () => {
  running--;
  if (running === 0) for (const resolve of idle.splice(0)) resolve();
};

/** The one line the bench saga takes, as a hand-written service would check it; undefined if the body is not an order. */
function orderLine(body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const line = Array.isArray(parsed?.items) && parsed.items.length === 1 ? parsed.items[0] : undefined;
  const valid =
    typeof parsed?.customerId === 'string' &&
    typeof line?.productId === 'string' &&
    Number.isInteger(line.quantity) &&
    line.quantity > 0 &&
    /^\d+(\.\d{1,2})?$/.test(String(line.price));
  return valid ? { productId: line.productId, quantity: line.quantity, price: String(line.price) } : undefined;
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function create(body, res) {
  const line = orderLine(body);
  if (!line) return answer(res, 400, { error: 'expected { customerId, items: [{ productId, quantity, price }] }' });
  running++;
  let placed;
  try {
    placed = await place(line);
  } catch (error) {
    finished();
    return answer(res, 500, { error: error.message });
  }
  placed.rest.then(finished, (error) => {
    // An order that never ends would leave the driver waiting: stop loudly instead.
    console.error(`${kind} service: a saga failed: ${error instanceof Error ? error.stack : error}`);
    process.exit(1);
  });
  answer(res, 201, { id: placed.id, status: 'PENDING' });
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders') return answer(res, 404, { error: 'not found' });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => void create(Buffer.concat(chunks).toString(), res));
});

process.on('message', ({ n, settle }) => {
  if (!settle) return;
  if (running === 0) process.send({ n });
  else idle.push(() => process.send({ n }));
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  server.close();
  server.closeAllConnections();
  void shutdownEngine()
    .then(() => db.end())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('disconnect', shutdown); // the benchmark is gone: no orphan

server.listen(0, '127.0.0.1', () => process.send({ ready: server.address().port }));
