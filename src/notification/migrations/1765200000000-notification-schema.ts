import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications: one per order and kind, the unique key that makes sending idempotent. */
export class NotificationSchema1765200000000 implements MigrationInterface {
  name = 'NotificationSchema1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "notification"`);
    await q.query(`
      CREATE TABLE "notification"."notifications" (
        "id" uuid PRIMARY KEY,
        "order_id" text NOT NULL,
        "customer_id" text NOT NULL,
        "kind" text NOT NULL,
        "channel" text NOT NULL,
        "subject" text NOT NULL,
        "body" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "notifications_order_id_kind_key" ON "notification"."notifications" ("order_id", "kind")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "notification" CASCADE`);
  }
}
