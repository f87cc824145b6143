import type { DataSource, EntityManager } from 'typeorm';
import type { WebhookEventName } from './webhook.messages.js';

type Db = DataSource | EntityManager;

export interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEventName[];
  createdAt: Date;
}

/** What sending needs: never listed, never in an outbox row. */
export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
}

const COLUMNS = `id, url, events, created_at AS "createdAt"`;

// The webhooks table (`webhooks.webhooks`): every write NOTIFYs the instances (see the migration).

export async function insertWebhook(db: Db, w: { id: string; url: string; events: WebhookEventName[]; secret: string }): Promise<WebhookRow> {
  const [row] = await db.query(`INSERT INTO webhooks.webhooks (id, url, events, secret) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`, [w.id, w.url, w.events, w.secret]);
  return row as WebhookRow;
}

/** Oldest first: a list for an operator, small by nature. */
export async function listWebhooks(db: Db): Promise<WebhookRow[]> {
  return (await db.query(`SELECT ${COLUMNS} FROM webhooks.webhooks ORDER BY created_at, id`)) as WebhookRow[];
}

/** Whether there was one to delete. */
export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  // As a CTE: TypeORM answers a bare DELETE with [rows, count], not its rows.
  const rows = (await db.query(`WITH deleted AS (DELETE FROM webhooks.webhooks WHERE id = $1 RETURNING id) SELECT id FROM deleted`, [id])) as unknown[];
  return rows.length > 0;
}

/** The event names some webhook wants: those need a row per event. */
export async function subscribedEvents(db: Db): Promise<WebhookEventName[]> {
  return ((await db.query(`SELECT DISTINCT unnest(events) AS name FROM webhooks.webhooks`)) as { name: WebhookEventName }[]).map((r) => r.name);
}

/** The ids of the webhooks that want `name`, as of the delivery's transaction. */
export async function webhooksFor(db: Db, name: WebhookEventName): Promise<string[]> {
  return ((await db.query(`SELECT id FROM webhooks.webhooks WHERE $1 = ANY(events) ORDER BY id`, [name])) as { id: string }[]).map((r) => r.id);
}

export async function targetsOf(db: Db, ids: string[]): Promise<Map<string, WebhookTarget>> {
  const rows = (await db.query(`SELECT id, url, secret FROM webhooks.webhooks WHERE id = ANY($1)`, [ids])) as WebhookTarget[];
  return new Map(rows.map((r) => [r.id, r]));
}
