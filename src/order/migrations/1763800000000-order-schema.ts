import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Orders with their lines, and the idempotency keys of the requests that placed them. */
export class OrderSchema1763800000000 implements MigrationInterface {
  name = 'OrderSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "orders"`);
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "orders" CASCADE`);
  }
}
