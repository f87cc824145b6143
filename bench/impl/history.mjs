// BENCH_HISTORY=<n>: the project's passes on a database that already holds a long history, as a
// year of orders leaves it: n finished order sagas with their step history (4 or 5 rows each),
// their orders, reservations, payments and notifications, and the delivered outbox rows and
// applied inbox ids of their messages (6 each), spread over the 7 days before the run (the sagas'
// retention), all generated in SQL. The rows are those the place-order saga (v1) writes, so the
// consistency check holds over them: 90% CONFIRMED, 10% CANCELLED (card declined, compensated),
// 0.1% FAILED (a compensation that kept failing, waiting for a person; its stock still held).
// Their products are history_beans and history_grinder, stocked apart from the bench's own.
// Then the reads a person makes from the dashboard, timed over HTTP, and each table's size.
import pg from 'pg';
import { spawnApp } from './project.mjs';

/** Sagas per batch: each batch is one transaction per table, so progress shows and no statement runs for minutes. */
const BATCH = 100_000;

/** Saga i's kind: every 10th declined and compensated, every 1000th (offset 5) FAILED, the rest confirmed. */
const KIND = `CASE WHEN i % 10 = 0 THEN 'COMPENSATED' WHEN i % 1000 = 5 THEN 'FAILED' ELSE 'COMPLETED' END`;

/** One row per saga i in [$1, $2] of $3: its ids, kind and times (the newest a minute before now). */
const SAGAS = `SELECT i, ${KIND} AS kind,
         md5('history-saga-' || i)::uuid AS saga_id, md5('history-order-' || i)::uuid AS order_id,
         now() - interval '1 minute' - interval '7 days' * ($3::int - i) / $3::int AS at
    FROM generate_series($1::int, $2::int) AS i`;

/** The statements that write batch [$1, $2] of $3 sagas, table by table. */
const FILL = {
  sagas: `WITH s AS (${SAGAS})
    INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, failure_reason, attempt, last_error, version, definition_version, created_at, updated_at)
    SELECT saga_id, 'place-order', kind,
           CASE kind WHEN 'COMPLETED' THEN 3 ELSE 0 END,
           CASE kind WHEN 'COMPLETED' THEN 'confirm-order' ELSE 'create-order' END,
           jsonb_build_object('orderId', order_id, 'customerId', 'history', 'lines', jsonb_build_array(jsonb_build_object('productId', CASE kind WHEN 'COMPLETED' THEN 'history_beans' ELSE 'history_grinder' END, 'quantity', 1)),
                              'totalAmount', CASE kind WHEN 'COMPLETED' THEN '5.00' ELSE '600.00' END, 'reservationId', md5('history-reservation-' || i)::uuid),
           CASE kind WHEN 'COMPLETED' THEN NULL ELSE 'CARD_DECLINED' END, 1,
           CASE kind WHEN 'FAILED' THEN 'inventory.ReleaseInventory failed 5 times: inventory unavailable' END,
           CASE kind WHEN 'COMPLETED' THEN 4 ELSE 5 END, 1, at, at + interval '150 ms'
      FROM s`,
  steps: `WITH s AS (${SAGAS})
    INSERT INTO saga.saga_steps (saga_id, step, action, attempt, status, message, message_id, trace_id, started_at, finished_at)
    SELECT saga_id, t.step, t.action, 1, t.status, t.message, CASE WHEN t.n > 1 THEN md5('history-msg-' || i || '-' || t.n)::uuid END,
           md5('history-trace-' || i), at + t.n * interval '30 ms', at + (t.n + 1) * interval '30 ms'
      FROM s JOIN (VALUES
        ('COMPLETED', 1, 'create-order', 'execute', 'SUCCEEDED', NULL),
        ('COMPLETED', 2, 'reserve-inventory', 'execute', 'SUCCEEDED', 'inventory.InventoryReserved'),
        ('COMPLETED', 3, 'process-payment', 'execute', 'SUCCEEDED', 'payment.PaymentCaptured'),
        ('COMPLETED', 4, 'confirm-order', 'execute', 'SUCCEEDED', 'order.OrderConfirmed'),
        ('COMPENSATED', 1, 'create-order', 'execute', 'SUCCEEDED', NULL),
        ('COMPENSATED', 2, 'reserve-inventory', 'execute', 'SUCCEEDED', 'inventory.InventoryReserved'),
        ('COMPENSATED', 3, 'process-payment', 'execute', 'FAILED', 'CARD_DECLINED'),
        ('COMPENSATED', 4, 'reserve-inventory', 'compensate', 'SUCCEEDED', 'inventory.InventoryReleased'),
        ('COMPENSATED', 5, 'create-order', 'compensate', 'SUCCEEDED', 'order.OrderCancelled'),
        ('FAILED', 1, 'create-order', 'execute', 'SUCCEEDED', NULL),
        ('FAILED', 2, 'reserve-inventory', 'execute', 'SUCCEEDED', 'inventory.InventoryReserved'),
        ('FAILED', 3, 'process-payment', 'execute', 'FAILED', 'CARD_DECLINED'),
        ('FAILED', 4, 'reserve-inventory', 'compensate', 'FAILED', 'inventory unavailable')
      ) AS t(kind, n, step, action, status, message) ON t.kind = s.kind
     ORDER BY i, t.n`,
  orders: `WITH s AS (${SAGAS})
    INSERT INTO orders.orders (id, customer_id, status, total_amount, failure_reason, saga_id, created_at, updated_at)
    SELECT order_id, 'history', CASE kind WHEN 'COMPLETED' THEN 'CONFIRMED' WHEN 'COMPENSATED' THEN 'CANCELLED' ELSE 'PENDING' END,
           CASE kind WHEN 'COMPLETED' THEN 5.00 ELSE 600.00 END, CASE kind WHEN 'COMPENSATED' THEN 'CARD_DECLINED' END, saga_id, at, at + interval '150 ms'
      FROM s`,
  orderItems: `WITH s AS (${SAGAS})
    INSERT INTO orders.order_items (order_id, line, product_id, quantity, unit_price)
    SELECT order_id, 0, CASE kind WHEN 'COMPLETED' THEN 'history_beans' ELSE 'history_grinder' END, 1, CASE kind WHEN 'COMPLETED' THEN 5.00 ELSE 600.00 END
      FROM s`,
  // A confirmed order keeps its reservation RESERVED (as the saga leaves it); a FAILED saga could not release its own.
  reservations: `WITH s AS (${SAGAS})
    INSERT INTO inventory.reservations (order_id, id, status, lines, created_at, updated_at)
    SELECT order_id::text, md5('history-reservation-' || i)::uuid, CASE kind WHEN 'COMPENSATED' THEN 'RELEASED' ELSE 'RESERVED' END,
           jsonb_build_array(jsonb_build_object('productId', CASE kind WHEN 'COMPLETED' THEN 'history_beans' ELSE 'history_grinder' END, 'quantity', 1)),
           at + interval '30 ms', at + interval '90 ms'
      FROM s`,
  payments: `WITH s AS (${SAGAS})
    INSERT INTO payment.payments (id, order_id, customer_id, amount, status, decline_reason, created_at, updated_at)
    SELECT md5('history-payment-' || i)::uuid, order_id::text, 'history', CASE kind WHEN 'COMPLETED' THEN 5.00 ELSE 600.00 END,
           CASE kind WHEN 'COMPLETED' THEN 'CAPTURED' ELSE 'DECLINED' END, CASE kind WHEN 'COMPLETED' THEN NULL ELSE 'CARD_DECLINED' END,
           at + interval '60 ms', at + interval '60 ms'
      FROM s`,
  notifications: `WITH s AS (${SAGAS})
    INSERT INTO notification.notifications (id, order_id, customer_id, kind, channel, subject, body, created_at)
    SELECT md5('history-notification-' || i)::uuid, order_id::text, 'history', 'ORDER_CANCELLED', 'log', 'Your order was cancelled',
           'Your order ' || order_id || ' was cancelled (CARD_DECLINED). Nothing was charged, or the charge was refunded.', at + interval '150 ms'
      FROM s WHERE kind = 'COMPENSATED'`,
  // Three commands and their three replies per saga, each delivered (processed_at set).
  outbox: `WITH s AS (${SAGAS})
    INSERT INTO messaging.outbox (message_id, consumer, type, payload, meta, attempts, available_at, processed_at, created_at, destination)
    SELECT md5('history-msg-' || i || '-' || t.n)::uuid, t.consumer, t.type, jsonb_build_object('orderId', order_id),
           jsonb_build_object('messageId', md5('history-msg-' || i || '-' || t.n)::uuid, 'correlationId', saga_id, 'occurredAt', at + t.n * interval '20 ms',
                              'traceparent', '00-' || md5('history-trace-' || i) || '-0000000000000001-01'),
           1, at + t.n * interval '20 ms', at + (t.n + 1) * interval '20 ms', at + t.n * interval '20 ms', t.destination
      FROM s CROSS JOIN (VALUES
        (1, 'command', 'inventory.ReserveInventory', 'inventory'), (2, 'saga', 'inventory.InventoryReserved', 'saga'),
        (3, 'command', 'payment.ProcessPayment', 'payment'), (4, 'saga', 'payment.PaymentCaptured', 'saga'),
        (5, 'command', 'order.ConfirmOrder', 'order'), (6, 'saga', 'order.OrderConfirmed', 'saga')
      ) AS t(n, consumer, type, destination)
     ORDER BY i, t.n`,
  inbox: `WITH s AS (${SAGAS})
    INSERT INTO messaging.inbox (consumer, message_id, applied_at)
    SELECT t.consumer, md5('history-msg-' || i || '-' || t.n)::uuid::text, at + (t.n + 1) * interval '20 ms'
      FROM s CROSS JOIN (VALUES (1, 'inventory'), (2, 'saga'), (3, 'payment'), (4, 'saga'), (5, 'order'), (6, 'saga')) AS t(n, consumer)`,
};

/** The history's products: stocked apart, their reserved units those of the RESERVED reservations written above. */
const PRODUCTS = `INSERT INTO inventory.products (id, name, price, available, reserved, stocked)
  SELECT p.id, p.name, p.price, 100000000 - coalesce(h.held, 0), coalesce(h.held, 0), 100000000
    FROM (VALUES ('history_beans', 'beans', 5.00), ('history_grinder', 'grinder', 600.00)) AS p(id, name, price)
    LEFT JOIN (SELECT l->>'productId' AS product_id, sum((l->>'quantity')::int)::int AS held
                 FROM inventory.reservations r, jsonb_array_elements(r.lines) l
                WHERE r.status = 'RESERVED' AND l->>'productId' LIKE 'history_%' GROUP BY 1) h ON h.product_id = p.id`;

/** The tables a long history makes large, and those the hot path writes. */
export const HISTORY_TABLES = [
  'saga.saga_instances',
  'saga.saga_steps',
  'saga.status_counts',
  'saga.status_count_changes',
  'messaging.outbox',
  'messaging.inbox',
  'orders.orders',
  'orders.order_items',
  'inventory.reservations',
  'payment.payments',
  'notification.notifications',
];

/**
 * Fills the app's database at `url` (migrated: the app has started on it) with `n` finished order
 * sagas and everything they leave behind, then vacuums and analyzes it as autovacuum would have,
 * and checkpoints, so the passes after it start from a settled database. Returns the seconds taken.
 */
export async function fillHistory(url, n) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const started = performance.now();
  try {
    for (let from = 1; from <= n; from += BATCH) {
      const to = Math.min(n, from + BATCH - 1);
      for (const sql of Object.values(FILL)) await db.query(sql, [from, to, n]);
      const s = (performance.now() - started) / 1000;
      process.stderr.write(`\r  history: ${to}/${n} sagas written (${s.toFixed(0)} s)   `);
    }
    await db.query(PRODUCTS);
    // The app folds the counts' changes every second; fold the fill's at once, as a long-lived database has them.
    const { FOLD } = await import('../../dist/src/saga/saga-counts.js');
    await db.query(FOLD);
    process.stderr.write(`\r  history: vacuuming and analyzing…                       `);
    await db.query(`VACUUM (ANALYZE) ${HISTORY_TABLES.join(', ')}`);
    await db.query('CHECKPOINT');
  } finally {
    process.stderr.write('\r' + ' '.repeat(70) + '\r');
    await db.end();
  }
  return { sagas: n, seconds: (performance.now() - started) / 1000 };
}

/** How many times each read is timed. */
const CALLS = 50;

/** The reads the dashboard makes every 2 s while a person watches it. */
export const DASHBOARD_READS = {
  stats: '/api/v1/sagas/stats',
  failed: '/api/v1/sagas?status=FAILED&limit=50',
  newest: '/api/v1/sagas?limit=50',
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * The dashboard's reads timed over HTTP (`calls` each, one at a time, after a few to warm up), from
 * an app of their own started on `url` and stopped after, and each history table's size.
 */
export async function measureHistory(url, calls = CALLS) {
  const app = await spawnApp(url);
  const reads = {};
  try {
    for (const [name, path] of Object.entries(DASHBOARD_READS)) {
      const times = [];
      for (let i = 0; i < calls + 5; i++) {
        const t0 = performance.now();
        const res = await fetch(app.base + path);
        if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
        await res.arrayBuffer();
        if (i >= 5) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      reads[name] = { path, p50: percentile(times, 50), p99: percentile(times, 99) };
    }
  } finally {
    await app.stop();
  }
  return { reads, sizes: await tableSizes(url) };
}

/** Rows, heap (with TOAST) and index bytes of each history table. */
export async function tableSizes(url) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const sizes = [];
    for (const table of HISTORY_TABLES) {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM ${table}) AS rows, pg_table_size($1::regclass) AS heap, pg_indexes_size($1::regclass) AS indexes, pg_total_relation_size($1::regclass) AS total`,
        [table],
      );
      const [r] = rows;
      sizes.push({ table, rows: Number(r.rows), heapBytes: Number(r.heap), indexBytes: Number(r.indexes), totalBytes: Number(r.total) });
    }
    return sizes;
  } finally {
    await db.end();
  }
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

/**
 * The history section of the report: project-history against project at each concurrency, the
 * fill, the reads and the sizes before and after the passes.
 */
export function historyMarkdown(history, results) {
  if (!history) return '';
  const { fill, before, after } = history;
  const x = (a, b) => `${(a / b).toFixed(2)}x`;
  const ratios = results.filter((r) => r.impl === 'project-history').flatMap((h) => {
    const p = results.find((r) => r.impl === 'project' && r.concurrency === h.concurrency);
    return p ? [`| ${h.concurrency} | ${x(h.sagasPerSecond, p.sagasPerSecond)} | ${x(h.p50, p.p50)} | ${x(h.p99, p.p99)} | ${x(h.appCpuMsPerSaga, p.appCpuMsPerSaga)} | ${x(h.dbCpuMsPerSaga, p.dbCpuMsPerSaga)} |`] : [];
  });
  const reads = Object.keys(DASHBOARD_READS).map((name) => {
    const b = before.reads[name];
    const a = after?.reads[name];
    return `| \`GET ${b.path}\` | ${b.p50.toFixed(1)} | ${b.p99.toFixed(1)} | ${a ? a.p50.toFixed(1) : ''} | ${a ? a.p99.toFixed(1) : ''} |`;
  });
  const sizes = before.sizes.map((b) => {
    const a = after?.sizes.find((x) => x.table === b.table);
    return `| ${b.table} | ${b.rows} | ${mib(b.heapBytes)} | ${mib(b.indexBytes)} | ${a ? a.rows : ''} | ${a ? mib(a.heapBytes) : ''} | ${a ? mib(a.indexBytes) : ''} |`;
  });
  return [
    `\n## With a history of ${fill.sagas} finished sagas (BENCH_HISTORY=${fill.sagas})\n`,
    `project-history is the project on a database filled in SQL (in ${fill.seconds.toFixed(0)} s) before its passes; against project, on an empty one, in this run:\n`,
    '| concurrency | sagas/s | p50 | p99 | app CPU/saga | database CPU/saga |',
    '| --- | --- | --- | --- | --- | --- |',
    ...ratios,
    `\nThe dashboard's reads, ${CALLS} calls each over HTTP, before and after project-history's passes:\n`,
    '| read | p50 ms before | p99 ms before | p50 ms after | p99 ms after |',
    '| --- | --- | --- | --- | --- |',
    ...reads,
    '\nTable sizes (MiB; heap includes TOAST):\n',
    '| table | rows before | heap before | indexes before | rows after | heap after | indexes after |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...sizes,
    '',
  ].join('\n');
}
