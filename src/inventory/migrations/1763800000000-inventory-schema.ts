import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Products with their stock, and the reservations of orders. */
export class InventorySchema1763800000000 implements MigrationInterface {
  name = 'InventorySchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "inventory"`);
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "inventory" CASCADE`);
  }
}
