import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A saga can await several commands at once (a parallel group) and pass steps over (`when`): what
 * it keeps of them, per member its command, attempt, status and due time. Null for every saga
 * without them, so the sagas in flight are unchanged.
 */
export class SagaProgress1765200000000 implements MigrationInterface {
  name = 'SagaProgress1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" ADD "progress" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" DROP COLUMN "progress"`);
  }
}
