import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each outbox row names the module (or process-level consumer) it is for, so a relay claims only
 * the rows it can deliver: to a module it hosts, or one it has a route to (see `Routes`).
 * Rows written before are addressed as they would be now: a command to the module its type
 * names (`payment.ProcessPayment` → `payment`), anything else to its consumer.
 */
export class OutboxDestination1765000000000 implements MigrationInterface {
  name = 'OutboxDestination1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messaging"."outbox" ADD "destination" text`);
    await q.query(`UPDATE "messaging"."outbox" SET "destination" = CASE "consumer" WHEN 'command' THEN split_part("type", '.', 1) ELSE "consumer" END`);
    await q.query(`ALTER TABLE "messaging"."outbox" ALTER COLUMN "destination" SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messaging"."outbox" DROP COLUMN "destination"`);
  }
}
