import type pg from 'pg';

export interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

interface Check {
  invariant: string;
  /** What must hold, for people. */
  rule: string;
  /** Rows that break it: `subject` and `detail` columns. `$1` is the slack in milliseconds. */
  sql: string;
}

/**
 * Every invariant the system promises, as a query for the rows that break it. Read-only: it can
 * run against any database, live or after a crash, as often as wanted.
 */
export const CHECKS: Check[] = [
  {
    invariant: 'SAGA_NOT_OWNED',
    rule: 'a saga that is not finished waits for a command and has a timer that is not overdue',
    sql: `SELECT id::text AS subject, status || ' at ' || current_step || coalesce(', timer due ' || timeout_at, ', no timer') AS detail
            FROM saga.saga_instances
           WHERE status IN ('STARTED', 'RUNNING', 'COMPENSATING')
             AND (awaiting_message_id IS NULL OR timeout_at IS NULL OR timeout_at < now() - $1 * interval '1 millisecond')`,
  },
  {
    invariant: 'SAGA_ORDER_MISMATCH',
    rule: 'a COMPLETED saga has a CONFIRMED order; a COMPENSATED one a CANCELLED order',
    sql: `SELECT s.id::text AS subject, 'saga ' || s.status || ', order ' || coalesce(o.status, 'missing') AS detail
            FROM saga.saga_instances s LEFT JOIN orders.orders o ON o.saga_id = s.id
           WHERE s.type = 'place-order'
             AND ((s.status = 'COMPLETED' AND o.status IS DISTINCT FROM 'CONFIRMED')
               OR (s.status = 'COMPENSATED' AND o.status IS DISTINCT FROM 'CANCELLED'))`,
  },
  {
    invariant: 'STOCK_NOT_CONSERVED',
    rule: 'for each product, available + reserved equals the units ever stocked',
    sql: `SELECT id AS subject, format('available %s + reserved %s <> stocked %s', available, reserved, stocked) AS detail
            FROM inventory.products WHERE available + reserved <> stocked`,
  },
  {
    invariant: 'RESERVED_NOT_HELD',
    rule: "a product's reserved units are exactly those of its live reservations",
    sql: `SELECT p.id AS subject, format('reserved %s, held by reservations %s', p.reserved, coalesce(h.held, 0)) AS detail
            FROM inventory.products p
            LEFT JOIN (SELECT l->>'productId' AS product_id, sum((l->>'quantity')::int) AS held
                         FROM inventory.reservations r, jsonb_array_elements(r.lines) l
                        WHERE r.status = 'RESERVED' GROUP BY 1) h ON h.product_id = p.id
           WHERE p.reserved <> coalesce(h.held, 0)`,
  },
  {
    invariant: 'CANCELLED_ORDER_HOLDS_STOCK',
    rule: 'a cancelled order holds no stock',
    sql: `SELECT o.id::text AS subject, 'reservation still RESERVED' AS detail
            FROM orders.orders o JOIN inventory.reservations r ON r.order_id = o.id::text
           WHERE o.status = 'CANCELLED' AND r.status = 'RESERVED'`,
  },
  {
    invariant: 'CONFIRMED_NOT_PAID_ONCE',
    rule: 'a confirmed order has exactly one captured, unrefunded payment of its total',
    sql: `SELECT o.id::text AS subject, format('%s captured payment(s) of %s', count(p.id), o.total_amount) AS detail
            FROM orders.orders o
            LEFT JOIN payment.payments p ON p.order_id = o.id::text AND p.status = 'CAPTURED' AND p.amount = o.total_amount
           WHERE o.status = 'CONFIRMED' GROUP BY o.id HAVING count(p.id) <> 1`,
  },
  {
    invariant: 'CANCELLED_ORDER_CHARGED',
    rule: 'a cancelled order has no captured payment (refunded or declined only)',
    sql: `SELECT o.id::text AS subject, 'payment ' || p.id || ' is CAPTURED' AS detail
            FROM orders.orders o JOIN payment.payments p ON p.order_id = o.id::text
           WHERE o.status = 'CANCELLED' AND p.status = 'CAPTURED'`,
  },
  {
    invariant: 'OUTBOX_OVERDUE',
    rule: 'no message waits for delivery longer than its due time plus the slack',
    sql: `SELECT id::text AS subject, format('%s to %s due %s, %s attempts', type, consumer, available_at, attempts) AS detail
            FROM messaging.outbox
           WHERE processed_at IS NULL AND dead_at IS NULL AND available_at < now() - $1 * interval '1 millisecond'`,
  },
  {
    invariant: 'DEAD_LETTER',
    rule: 'no message was given up on (re-drive it through the dead-letter API once fixed)',
    sql: `SELECT id::text AS subject, format('%s to %s: %s', type, consumer, last_error) AS detail
            FROM messaging.outbox WHERE dead_at IS NOT NULL AND processed_at IS NULL`,
  },
];

/** Runs every check; `slackMs` is how late a timer or a due message may be before it counts as stuck. */
export async function checkConsistency(db: pg.Pool | pg.Client, slackMs = 30_000): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const check of CHECKS) {
    const usesSlack = check.sql.includes('$1');
    const { rows } = await db.query<{ subject: string; detail: string }>(check.sql, usesSlack ? [slackMs] : []);
    violations.push(...rows.map((r) => ({ invariant: check.invariant, subject: r.subject, detail: r.detail })));
  }
  return violations;
}
