import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where an order goes: optional, so orders placed without one (and before this) keep NULL. */
export class OrderShippingAddress1765200000000 implements MigrationInterface {
  name = 'OrderShippingAddress1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders"."orders" ADD "shipping_address" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders"."orders" DROP COLUMN "shipping_address"`);
  }
}
