import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A saga whose timer or reply its definition cannot handle is poisoned: it counts its attempts,
 * holds the reply for the next one, and when it is FAILED for it keeps the status a retry resumes.
 */
export class PoisonedSagas1764900000000 implements MigrationInterface {
  name = 'PoisonedSagas1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" ADD "poison_attempts" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "saga"."saga_instances" ADD "poisoned_status" text`);
    await q.query(`ALTER TABLE "saga"."saga_instances" ADD "held_reply" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" DROP COLUMN "held_reply"`);
    await q.query(`ALTER TABLE "saga"."saga_instances" DROP COLUMN "poisoned_status"`);
    await q.query(`ALTER TABLE "saga"."saga_instances" DROP COLUMN "poison_attempts"`);
  }
}
