import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipped stock: units a shipment took out of the warehouse for good. They leave `reserved` for
 * `shipped`, so what was ever stocked is still accounted for: available + reserved + shipped.
 */
export class ShippedStock1765200000000 implements MigrationInterface {
  name = 'ShippedStock1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "inventory"."products" ADD "shipped" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "inventory"."products" DROP CONSTRAINT "products_stock_valid"`);
    await q.query(`ALTER TABLE "inventory"."products" ADD CONSTRAINT "products_stock_valid"
      CHECK ("available" >= 0 AND "reserved" >= 0 AND "shipped" >= 0 AND "available" + "reserved" + "shipped" <= "stocked")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "inventory"."products" DROP CONSTRAINT "products_stock_valid"`);
    await q.query(`ALTER TABLE "inventory"."products" DROP COLUMN "shipped"`);
    await q.query(`ALTER TABLE "inventory"."products" ADD CONSTRAINT "products_stock_valid" CHECK ("available" >= 0 AND "reserved" >= 0 AND "available" + "reserved" <= "stocked")`);
  }
}
