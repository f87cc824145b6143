import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Payments: one per order, captured, declined or refunded. */
export class PaymentSchema1763800000000 implements MigrationInterface {
  name = 'PaymentSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "payment"`);
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
    await q.query(`DROP SCHEMA IF EXISTS "payment" CASCADE`);
  }
}
