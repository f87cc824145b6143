import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhooks outside systems registered for order events. Every change NOTIFYs `webhooks`, so
 * each instance on the database learns at once which events now need a row per event (see
 * `WebhookSubscriptions`).
 */
export class WebhooksSchema1765600000000 implements MigrationInterface {
  name = 'WebhooksSchema1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "webhooks"`);
    await q.query(`
      CREATE TABLE "webhooks"."webhooks" (
        "id" uuid PRIMARY KEY,
        "url" text NOT NULL,
        "events" text[] NOT NULL CHECK (cardinality("events") > 0),
        "secret" text NOT NULL,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION "webhooks"."notify_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('webhooks', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER "webhooks_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "webhooks"."webhooks"
        FOR EACH STATEMENT EXECUTE FUNCTION "webhooks"."notify_changed"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA "webhooks" CASCADE`);
  }
}
