import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema as builds before per-module migrations made it: every module's schema in one
 * migration. Kept (unchanged, name included) to make databases like the ones it made and test that
 * they are adopted (see `migrations/combined-schema.ts`).
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    for (const schema of ['messaging', 'saga', 'orders', 'inventory', 'payment']) {
      await q.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    }

    await q.query(`
      CREATE TABLE "messaging"."outbox" (
        "id" BIGSERIAL PRIMARY KEY,
        "message_id" uuid NOT NULL,
        "consumer" text NOT NULL,
        "type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "meta" jsonb NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "processed_at" TIMESTAMP WITH TIME ZONE,
        "dead_at" TIMESTAMP WITH TIME ZONE,
        "last_error" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "outbox_due" ON "messaging"."outbox" ("available_at", "id") WHERE "processed_at" IS NULL AND "dead_at" IS NULL`);
    // One NOTIFY per inserting statement (not per row) wakes every relay when the transaction
    // commits, if a row is due now: rows handed to a relay in the writing process, and delayed
    // rows, wake nobody.
    await q.query(`
      CREATE FUNCTION "messaging"."notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM new_rows WHERE available_at <= now()) THEN PERFORM pg_notify('outbox', ''); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER "outbox_notify" AFTER INSERT ON "messaging"."outbox" REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION "messaging"."notify_outbox"()`);

    await q.query(`
      CREATE TABLE "messaging"."inbox" (
        "consumer" text NOT NULL,
        "message_id" text NOT NULL,
        "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        PRIMARY KEY ("consumer", "message_id")
      )`);

    await q.query(`
      CREATE TABLE "saga"."saga_instances" (
        "id" uuid PRIMARY KEY,
        "type" text NOT NULL,
        "status" text NOT NULL,
        "step_index" integer NOT NULL,
        "current_step" text NOT NULL,
        "data" jsonb NOT NULL,
        "failure_reason" text,
        "awaiting_message_id" uuid,
        "attempt" integer NOT NULL DEFAULT 1,
        "last_error" text,
        "deadline_at" TIMESTAMP WITH TIME ZONE,
        "timeout_at" TIMESTAMP WITH TIME ZONE,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "saga_instances_status_type" ON "saga"."saga_instances" ("status", "type")`);
    await q.query(`CREATE INDEX "saga_instances_timeout" ON "saga"."saga_instances" ("timeout_at") WHERE "timeout_at" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "saga"."saga_steps" (
        "id" BIGSERIAL PRIMARY KEY,
        "saga_id" uuid NOT NULL,
        "step" text NOT NULL,
        "action" text NOT NULL,
        "attempt" integer NOT NULL DEFAULT 1,
        "status" text NOT NULL,
        "message" text,
        "message_id" uuid,
        "trace_id" text,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE
      )`);
    await q.query(`CREATE INDEX "saga_steps_saga" ON "saga"."saga_steps" ("saga_id", "id")`);

    await q.query(`
      CREATE TABLE "orders"."orders" (
        "id" uuid PRIMARY KEY,
        "customer_id" text NOT NULL,
        "status" text NOT NULL,
        "total_amount" numeric(14,2) NOT NULL,
        "failure_reason" text,
        "saga_id" uuid NOT NULL,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "orders_customer_newest" ON "orders"."orders" ("customer_id", "created_at", "id")`);
    await q.query(`
      CREATE TABLE "orders"."order_items" (
        "order_id" uuid NOT NULL REFERENCES "orders"."orders" ("id") ON DELETE CASCADE,
        "line" integer NOT NULL,
        "product_id" text NOT NULL,
        "quantity" integer NOT NULL,
        "unit_price" numeric(14,2) NOT NULL,
        PRIMARY KEY ("order_id", "line")
      )`);
    await q.query(`
      CREATE TABLE "orders"."idempotency_keys" (
        "key" text PRIMARY KEY,
        "request_hash" text NOT NULL,
        "response" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE "inventory"."products" (
        "id" text PRIMARY KEY,
        "name" text NOT NULL,
        "price" numeric(14,2) NOT NULL,
        "available" integer NOT NULL,
        "reserved" integer NOT NULL DEFAULT 0,
        "stocked" integer NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "products_stock_valid" CHECK ("available" >= 0 AND "reserved" >= 0 AND "available" + "reserved" <= "stocked")
      )`);
    await q.query(`
      CREATE TABLE "inventory"."reservations" (
        "order_id" text PRIMARY KEY,
        "id" uuid NOT NULL,
        "status" text NOT NULL,
        "lines" jsonb NOT NULL,
        "reason" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE "payment"."payments" (
        "id" uuid PRIMARY KEY,
        "order_id" text NOT NULL UNIQUE,
        "customer_id" text NOT NULL,
        "amount" numeric(14,2) NOT NULL,
        "status" text NOT NULL,
        "decline_reason" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const schema of ['payment', 'inventory', 'orders', 'saga', 'messaging']) {
      await q.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }
}
