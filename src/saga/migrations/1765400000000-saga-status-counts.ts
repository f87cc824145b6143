import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's reads stay flat as the history grows.
 *
 * Counts: how many sagas of each type are in each status, kept as the rows change rather than
 * counted again on every read. A trigger on `saga_instances` appends one row to
 * `status_count_changes` per status change (a new saga, a transition, a purge): appends never wait
 * on each other, so the engine's transactions stay as parallel as before, however many instances
 * run. Every instance folds the changes into `status_counts` every second (`SagaCounts`); a read
 * sums both, in one snapshot, so it is exact at any moment. The counts are of the rows the table
 * holds: when retention deletes finished sagas, their counts go with them.
 *
 * Paging: the lists (newest first, by status, by type) walk an index in their order and stop at
 * the page's end, instead of sorting every matching row.
 *
 * On a large existing table, the indexes can be built beforehand without blocking writes
 * (`CREATE INDEX CONCURRENTLY IF NOT EXISTS` with the same names): this migration then skips them.
 */
export class SagaStatusCounts1765400000000 implements MigrationInterface {
  name = 'SagaStatusCounts1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "saga"."status_counts" (
        "type" text NOT NULL,
        "status" text NOT NULL,
        "n" bigint NOT NULL,
        PRIMARY KEY ("type", "status")
      )`);
    // No key and no index: appended by every status change, read whole and emptied by the fold.
    await q.query(`
      CREATE TABLE "saga"."status_count_changes" (
        "type" text NOT NULL,
        "from_status" text,
        "to_status" text,
        "n" integer NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION "saga"."count_status_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO saga.status_count_changes (type, from_status, to_status, n) VALUES (NEW.type, NULL, NEW.status, 1);
        ELSE
          INSERT INTO saga.status_count_changes (type, from_status, to_status, n) VALUES (NEW.type, OLD.status, NEW.status, 1);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION "saga"."count_deleted_sagas"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO saga.status_count_changes (type, from_status, to_status, n)
          SELECT type, status, NULL, count(*) FROM deleted GROUP BY type, status;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION "saga"."count_truncated_sagas"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM saga.status_count_changes;
        DELETE FROM saga.status_counts;
        RETURN NULL;
      END $$`);
    // Row by row for the engine's writes (an update that keeps the status fires nothing), one
    // aggregate per statement for retention's batch deletes.
    await q.query(`CREATE TRIGGER "saga_instances_count_insert" AFTER INSERT ON "saga"."saga_instances"
      FOR EACH ROW EXECUTE FUNCTION "saga"."count_status_change"()`);
    await q.query(`CREATE TRIGGER "saga_instances_count_update" AFTER UPDATE OF "status" ON "saga"."saga_instances"
      FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "saga"."count_status_change"()`);
    await q.query(`CREATE TRIGGER "saga_instances_count_delete" AFTER DELETE ON "saga"."saga_instances"
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "saga"."count_deleted_sagas"()`);
    await q.query(`CREATE TRIGGER "saga_instances_count_truncate" AFTER TRUNCATE ON "saga"."saga_instances"
      FOR EACH STATEMENT EXECUTE FUNCTION "saga"."count_truncated_sagas"()`);
    // Creating the triggers locked out writers until this transaction commits, so the backfill
    // counts exactly the rows the triggers will not see.
    await q.query(`INSERT INTO "saga"."status_counts" ("type", "status", "n")
      SELECT "type", "status", count(*) FROM "saga"."saga_instances" GROUP BY 1, 2`);

    await q.query(`CREATE INDEX IF NOT EXISTS "saga_instances_newest" ON "saga"."saga_instances" ("created_at", "id")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "saga_instances_status_newest" ON "saga"."saga_instances" ("status", "created_at", "id")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "saga_instances_type_newest" ON "saga"."saga_instances" ("type", "created_at", "id")`);
    // The status index above serves what this one did (FAILED sagas by type, for the metrics).
    await q.query(`DROP INDEX IF EXISTS "saga"."saga_instances_status_type"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS "saga_instances_status_type" ON "saga"."saga_instances" ("status", "type")`);
    await q.query(`DROP INDEX IF EXISTS "saga"."saga_instances_type_newest"`);
    await q.query(`DROP INDEX IF EXISTS "saga"."saga_instances_status_newest"`);
    await q.query(`DROP INDEX IF EXISTS "saga"."saga_instances_newest"`);
    await q.query(`DROP TRIGGER "saga_instances_count_truncate" ON "saga"."saga_instances"`);
    await q.query(`DROP TRIGGER "saga_instances_count_delete" ON "saga"."saga_instances"`);
    await q.query(`DROP TRIGGER "saga_instances_count_update" ON "saga"."saga_instances"`);
    await q.query(`DROP TRIGGER "saga_instances_count_insert" ON "saga"."saga_instances"`);
    await q.query(`DROP FUNCTION "saga"."count_truncated_sagas"()`);
    await q.query(`DROP FUNCTION "saga"."count_deleted_sagas"()`);
    await q.query(`DROP FUNCTION "saga"."count_status_change"()`);
    await q.query(`DROP TABLE "saga"."status_count_changes"`);
    await q.query(`DROP TABLE "saga"."status_counts"`);
  }
}
