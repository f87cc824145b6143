import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each saga keeps the version of the definition it started with, so a reply is matched against
 * the steps it was sent for, whatever version a later deploy registers. Sagas started before
 * were started on version 1.
 */
export class SagaDefinitionVersions1765100000000 implements MigrationInterface {
  name = 'SagaDefinitionVersions1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" ADD "definition_version" integer NOT NULL DEFAULT 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "saga"."saga_instances" DROP COLUMN "definition_version"`);
  }
}
