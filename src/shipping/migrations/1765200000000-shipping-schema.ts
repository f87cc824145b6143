import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shipments: one per order, created, rejected or cancelled. */
export class ShippingSchema1765200000000 implements MigrationInterface {
  name = 'ShippingSchema1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "shipping"`);
    await q.query(`
      CREATE TABLE "shipping"."shipments" (
        "id" uuid PRIMARY KEY,
        "order_id" text NOT NULL UNIQUE,
        "status" text NOT NULL,
        "reason" text,
        "street" text,
        "city" text,
        "state" text,
        "zip_code" text,
        "country" text,
        "lines" jsonb NOT NULL,
        "units" integer NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "shipping" CASCADE`);
  }
}
