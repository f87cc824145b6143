import type pg from 'pg';
import type { ModuleName } from '../config/app-config.js';

export interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

type Finding = Omit<Violation, 'invariant'>;

/** A connection or a pool: what the checks query through. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Each module's database. Modules that share one may share its connection: messaging's checks then read it once. */
export type ModuleDatabases = Readonly<Record<ModuleName, Queryable>>;

interface Check {
  invariant: string;
  /** What must hold, for people. */
  rule: string;
  /** The rows that break it, each module's tables read from that module's database. */
  find: (dbs: ModuleDatabases, slackMs: number) => Promise<Finding[]>;
}

async function rows<T extends object>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

/** A check within one module's tables: a query for the rows that break it (`subject`, `detail`; `$1` is the slack in milliseconds). */
const inModule =
  (module: ModuleName, sql: string): Check['find'] =>
  (dbs, slackMs) =>
    rows<Finding>(dbs[module], sql, sql.includes('$1') ? [slackMs] : []);

/** A check of messaging's tables, which every database has: run on each, its subjects named by the modules there when there are several. */
const inEveryDatabase =
  (sql: string): Check['find'] =>
  async (dbs, slackMs) => {
    const databases = new Map<Queryable, ModuleName[]>();
    for (const [module, db] of Object.entries(dbs) as [ModuleName, Queryable][]) databases.set(db, [...(databases.get(db) ?? []), module]);
    const found: Finding[] = [];
    for (const [db, modules] of databases) {
      const prefix = databases.size > 1 ? `${modules.join(',')} database: ` : '';
      found.push(...(await rows<Finding>(db, sql, sql.includes('$1') ? [slackMs] : [])).map((r) => ({ ...r, subject: prefix + r.subject })));
    }
    return found;
  };

/**
 * Every invariant the system promises, as the rows that break it. Read-only: it can run against
 * any databases, live or after a crash, as often as wanted. A check that spans modules reads each
 * side from its own module's database and compares in code, since the two may be different
 * databases: it reads the few rows that could break it on one side (finished sagas, live
 * reservations, captured or held payments, confirmed orders, created shipments, notifications) and
 * looks up only those on the other.
 */
export const CHECKS: Check[] = [
  {
    invariant: 'SAGA_NOT_OWNED',
    rule: 'a saga that is not finished waits for a command and has a timer that is not overdue',
    find: inModule(
      'saga',
      `SELECT id::text AS subject, status || ' at ' || current_step || coalesce(', timer due ' || timeout_at, ', no timer') AS detail
         FROM saga.saga_instances
        WHERE status IN ('STARTED', 'RUNNING', 'COMPENSATING')
          AND (awaiting_message_id IS NULL OR timeout_at IS NULL OR timeout_at < now() - $1 * interval '1 millisecond')`,
    ),
  },
  {
    invariant: 'SAGA_ORDER_MISMATCH',
    rule: 'a COMPLETED saga has a CONFIRMED order; a COMPENSATED one a CANCELLED order',
    find: async (dbs) => {
      const sagas = await rows<{ id: string; status: string }>(
        dbs.saga,
        `SELECT id::text, status FROM saga.saga_instances WHERE type IN ('place-order', 'verified-order') AND status IN ('COMPLETED', 'COMPENSATED')`,
      );
      const orders = await lookup(dbs.order, `SELECT saga_id::text AS key, status AS value FROM orders.orders WHERE saga_id = ANY($1::uuid[])`, sagas.map((s) => s.id));
      const expected = { COMPLETED: 'CONFIRMED', COMPENSATED: 'CANCELLED' } as Record<string, string>;
      return sagas
        .filter((s) => orders.get(s.id) !== expected[s.status])
        .map((s) => ({ subject: s.id, detail: `saga ${s.status}, order ${orders.get(s.id) ?? 'missing'}` }));
    },
  },
  {
    invariant: 'STOCK_NOT_CONSERVED',
    rule: 'for each product, available + reserved + shipped equals the units ever stocked',
    find: inModule(
      'inventory',
      `SELECT id AS subject, format('available %s + reserved %s + shipped %s <> stocked %s', available, reserved, shipped, stocked) AS detail
         FROM inventory.products WHERE available + reserved + shipped <> stocked`,
    ),
  },
  {
    invariant: 'RESERVED_NOT_HELD',
    rule: "a product's reserved units are exactly those of its live reservations",
    find: inModule(
      'inventory',
      `SELECT p.id AS subject, format('reserved %s, held by reservations %s', p.reserved, coalesce(h.held, 0)) AS detail
         FROM inventory.products p
         LEFT JOIN (SELECT l->>'productId' AS product_id, sum((l->>'quantity')::int) AS held
                      FROM inventory.reservations r, jsonb_array_elements(r.lines) l
                     WHERE r.status = 'RESERVED' GROUP BY 1) h ON h.product_id = p.id
        WHERE p.reserved <> coalesce(h.held, 0)`,
    ),
  },
  {
    invariant: 'CANCELLED_ORDER_HOLDS_STOCK',
    rule: 'a cancelled order holds no stock',
    find: async (dbs) => {
      const held = await rows<{ order_id: string }>(dbs.inventory, `SELECT order_id FROM inventory.reservations WHERE status = 'RESERVED'`);
      const cancelled = await lookup(dbs.order, `SELECT id::text AS key, id::text AS value FROM orders.orders WHERE status = 'CANCELLED' AND id::text = ANY($1::text[])`, held.map((r) => r.order_id));
      return held.filter((r) => cancelled.has(r.order_id)).map((r) => ({ subject: r.order_id, detail: 'reservation still RESERVED' }));
    },
  },
  {
    invariant: 'SHIPPED_NOT_ACCOUNTED',
    rule: "a product's shipped units are exactly those of its shipped reservations",
    find: inModule(
      'inventory',
      `SELECT p.id AS subject, format('shipped %s, by shipped reservations %s', p.shipped, coalesce(h.shipped, 0)) AS detail
         FROM inventory.products p
         LEFT JOIN (SELECT l->>'productId' AS product_id, sum((l->>'quantity')::int) AS shipped
                      FROM inventory.reservations r, jsonb_array_elements(r.lines) l
                     WHERE r.status = 'SHIPPED' GROUP BY 1) h ON h.product_id = p.id
        WHERE p.shipped <> coalesce(h.shipped, 0)`,
    ),
  },
  {
    invariant: 'SHIPPED_ORDER_NOT_LIVE',
    rule: 'a shipped reservation belongs to a CONFIRMED or PENDING order',
    find: async (dbs) => {
      const shipped = await rows<{ order_id: string }>(dbs.inventory, `SELECT order_id FROM inventory.reservations WHERE status = 'SHIPPED'`);
      return notLive(dbs, shipped.map((r) => r.order_id), 'reservation SHIPPED');
    },
  },
  {
    invariant: 'SHIPMENT_ORDER_NOT_LIVE',
    rule: 'a created shipment belongs to a CONFIRMED or PENDING order (a cancelled order has none)',
    find: async (dbs) => {
      const created = await rows<{ order_id: string }>(dbs.shipping, `SELECT order_id FROM shipping.shipments WHERE status = 'CREATED'`);
      return notLive(dbs, created.map((s) => s.order_id), 'shipment CREATED');
    },
  },
  {
    invariant: 'CONFIRMED_NOT_PAID_ONCE',
    rule: 'a confirmed order has exactly one captured, unrefunded payment of its total',
    find: async (dbs) => {
      const confirmed = await rows<{ id: string; total: string }>(dbs.order, `SELECT id::text, total_amount::text AS total FROM orders.orders WHERE status = 'CONFIRMED'`);
      const captured = await rows<{ order_id: string; amount: string }>(
        dbs.payment,
        `SELECT order_id, amount::text FROM payment.payments WHERE status = 'CAPTURED' AND order_id = ANY($1::text[])`,
        [confirmed.map((o) => o.id)],
      );
      const amounts = new Map<string, string[]>();
      for (const p of captured) amounts.set(p.order_id, [...(amounts.get(p.order_id) ?? []), p.amount]);
      return confirmed.flatMap((o) => {
        // Both sides are numeric(14,2), so equal amounts print alike.
        const paid = (amounts.get(o.id) ?? []).filter((amount) => amount === o.total).length;
        return paid === 1 ? [] : [{ subject: o.id, detail: `${paid} captured payment(s) of ${o.total}` }];
      });
    },
  },
  {
    invariant: 'CANCELLED_ORDER_CHARGED',
    rule: 'a cancelled order has no captured payment (refunded, voided or declined only; a hold left AUTHORIZED is HOLD_ON_SETTLED_ORDER)',
    find: async (dbs) => {
      const captured = await rows<{ id: string; order_id: string }>(dbs.payment, `SELECT id::text, order_id FROM payment.payments WHERE status = 'CAPTURED'`);
      const cancelled = await lookup(dbs.order, `SELECT id::text AS key, id::text AS value FROM orders.orders WHERE status = 'CANCELLED' AND id::text = ANY($1::text[])`, captured.map((p) => p.order_id));
      return captured.filter((p) => cancelled.has(p.order_id)).map((p) => ({ subject: p.order_id, detail: `payment ${p.id} is CAPTURED` }));
    },
  },
  {
    invariant: 'HOLD_ON_SETTLED_ORDER',
    rule: 'an AUTHORIZED payment (money held, not taken) belongs to a PENDING order: once the order is confirmed or cancelled, its hold is captured or voided within the slack',
    find: async (dbs, slackMs) => {
      const held = await rows<{ id: string; order_id: string }>(
        dbs.payment,
        `SELECT id::text, order_id FROM payment.payments WHERE status = 'AUTHORIZED' AND updated_at < now() - $1 * interval '1 millisecond'`,
        [slackMs],
      );
      // Payments for ids that are no order (direct gRPC calls) are not this check's business.
      const settled = await lookup(dbs.order, `SELECT id::text AS key, status AS value FROM orders.orders WHERE status <> 'PENDING' AND id::text = ANY($1::text[])`, held.map((p) => p.order_id));
      return held.filter((p) => settled.has(p.order_id)).map((p) => ({ subject: p.order_id, detail: `order ${settled.get(p.order_id)}, payment ${p.id} still AUTHORIZED` }));
    },
  },
  {
    invariant: 'NOTIFICATION_ORDER_MISMATCH',
    rule: 'a notification belongs to an existing order in the state it tells: ORDER_CONFIRMED a CONFIRMED order, ORDER_CANCELLED a CANCELLED one',
    find: async (dbs) => {
      const sent = await rows<{ id: string; order_id: string; kind: string }>(dbs.notification, `SELECT id::text, order_id, kind FROM notification.notifications`);
      const orders = await lookup(dbs.order, `SELECT id::text AS key, status AS value FROM orders.orders WHERE id::text = ANY($1::text[])`, [...new Set(sent.map((n) => n.order_id))]);
      const told = { ORDER_CONFIRMED: 'CONFIRMED', ORDER_CANCELLED: 'CANCELLED' } as Record<string, string>;
      return sent
        .filter((n) => orders.get(n.order_id) !== told[n.kind])
        .map((n) => ({ subject: n.order_id, detail: `notification ${n.id} ${n.kind}, order ${orders.get(n.order_id) ?? 'missing'}` }));
    },
  },
  {
    invariant: 'OUTBOX_OVERDUE',
    rule: 'no message waits for delivery longer than its due time plus the slack',
    find: inEveryDatabase(
      `SELECT id::text AS subject, format('%s to %s due %s, %s attempts', type, consumer, available_at, attempts) AS detail
         FROM messaging.outbox
        WHERE processed_at IS NULL AND dead_at IS NULL AND available_at < now() - $1 * interval '1 millisecond'`,
    ),
  },
  {
    invariant: 'DEAD_LETTER',
    rule: 'no message was given up on (re-drive it through the dead-letter API once fixed)',
    find: inEveryDatabase(
      `SELECT id::text AS subject, format('%s to %s: %s', type, consumer, last_error) AS detail
         FROM messaging.outbox WHERE dead_at IS NOT NULL AND processed_at IS NULL`,
    ),
  },
];

/** Of these orders, those that are not CONFIRMED or PENDING (CANCELLED, or missing), as findings. */
async function notLive(dbs: ModuleDatabases, orderIds: string[], what: string): Promise<Finding[]> {
  const status = await lookup(dbs.order, `SELECT id::text AS key, status AS value FROM orders.orders WHERE id::text = ANY($1::text[])`, orderIds);
  return orderIds
    .filter((id) => status.get(id) !== 'CONFIRMED' && status.get(id) !== 'PENDING')
    .map((id) => ({ subject: id, detail: `${what}, order ${status.get(id) ?? 'missing'}` }));
}

/** `key → value` of the rows `sql` finds for the keys in `$1` (an array). */
async function lookup(db: Queryable, sql: string, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  return new Map((await rows<{ key: string; value: string }>(db, sql, [keys])).map((r) => [r.key, r.value]));
}

const everyModuleOn = (db: Queryable): ModuleDatabases => ({ order: db, saga: db, inventory: db, payment: db, shipping: db, notification: db });

/**
 * Runs every check on each module's database, or on one database that holds every module;
 * `slackMs` is how late a timer or a due message may be before it counts as stuck.
 */
export async function checkConsistency(databases: ModuleDatabases | Queryable, slackMs = 30_000): Promise<Violation[]> {
  const dbs: ModuleDatabases = 'query' in databases ? everyModuleOn(databases) : databases;
  const violations: Violation[] = [];
  for (const check of CHECKS) {
    violations.push(...(await check.find(dbs, slackMs)).map((f) => ({ invariant: check.invariant, ...f })));
  }
  return violations;
}
